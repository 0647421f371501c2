"""Number formatting shared by the report's tables and text."""

from __future__ import annotations

METRIC_NAMES = {
    "accuracy": "accuracy",
    "macro_f1": "macro-F1",
    "balanced_accuracy": "balanced accuracy",
    "mcc": "MCC",
    "micro_f1": "micro-F1",
    "weighted_f1": "weighted F1",
    "samples_f1": "samples F1",
    "hamming_loss": "Hamming loss",
    "lrap": "LRAP",
}
DASH = "—"


def fmt_q(q: tuple[float, float] | None, n: int | None = None) -> str:
    """``0.812 ± 0.010`` (the ± part only with more than one seed)."""
    if q is None:
        return DASH
    mean, std = q
    if n is not None and n <= 1:
        return f"{mean:.3f}"
    return f"{mean:.3f} ± {std:.3f}"


def fmt_count(x: float | None) -> str:
    if x is None:
        return DASH
    x = float(x)
    for div, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(x) >= div:
            return f"{x / div:.3g}{unit}"
    return f"{x:.0f}"


def fmt_seconds(x: float | None) -> str:
    if x is None:
        return DASH
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def fmt_num(x: float | None, digits: int = 3) -> str:
    if x is None:
        return DASH
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def fmt_p(p: float | None) -> str:
    if p is None:
        return DASH
    return "< 0.001" if p < 0.001 else f"{p:.3f}"
