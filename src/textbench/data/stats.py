"""Dataset statistics: rows, class balance, lengths, duplicates, leakage; a terminal table."""

from __future__ import annotations

from typing import Any

import numpy as np

from textbench.data.plots import plot_class_balance, plot_lengths
from textbench.data.prepared import SPLITS, PreparedData

__all__ = ["compute_stats", "format_stats", "length_stats", "plot_class_balance", "plot_lengths"]

_HUGE = 1_000_000  # tokenizers without a real limit report model_max_length ~1e30


def length_stats(lengths: list[int]) -> dict[str, float]:
    """mean, median, p95, min, max of a list of lengths (zeros when empty)."""
    if not lengths:
        return {"mean": 0.0, "median": 0.0, "p95": 0.0, "min": 0, "max": 0}
    a = np.asarray(lengths)
    return {
        "mean": round(float(a.mean()), 2),
        "median": float(np.median(a)),
        "p95": float(np.percentile(a, 95)),
        "min": int(a.min()),
        "max": int(a.max()),
    }


def token_lengths(texts: list[str], tokenizer: Any) -> list[int]:
    """Token counts (special tokens included, no truncation) in batches."""
    out: list[int] = []
    for start in range(0, len(texts), 1024):
        enc = tokenizer(texts[start : start + 1024], add_special_tokens=True, truncation=False, verbose=False)
        out.extend(len(ids) for ids in enc["input_ids"])
    return out


def compute_stats(prepared: PreparedData, tokenizer: Any = None, max_length: int | None = None) -> dict[str, Any]:
    """JSON-able statistics; token stats only when a tokenizer is given.

    `max_length` defaults to the tokenizer's model_max_length (when finite);
    `truncated` counts texts with more tokens than that.
    """
    if tokenizer is not None and max_length is None:
        limit = getattr(tokenizer, "model_max_length", None)
        max_length = int(limit) if limit and limit < _HUGE else None
    stats: dict[str, Any] = {
        "source": prepared.source,
        "label_names": list(prepared.label_names),
        "rows": {},
        "classes": {},
        "chars": {},
        "duplicates": {},
        "leakage": dict(prepared.leakage),
        "created_splits": list(prepared.created_splits),
        "multi_label": prepared.multi_label,
    }
    if tokenizer is not None:
        stats["tokens"] = {}
        stats["max_length"] = max_length
    for split in SPLITS:
        ds = prepared.splits[split]
        texts = list(ds["text"])
        n = len(texts)
        stats["rows"][split] = n
        stats["classes"][split] = {
            name: {"count": c, "percent": round(100.0 * c / n, 2) if n else 0.0}
            for name, c in prepared.class_counts(split).items()
        }
        stats["chars"][split] = length_stats([len(t) for t in texts])
        cleaning = prepared.cleaning.get(split, {})
        stats["duplicates"][split] = {
            "dropped": cleaning.get("duplicates_dropped", 0),
            "label_conflicts": cleaning.get("duplicate_label_conflicts", 0),
            "remaining": n - len(set(texts)),
        }
        if tokenizer is not None:
            lengths = token_lengths(texts, tokenizer)
            tok = length_stats(lengths)
            cut = sum(length > max_length for length in lengths) if max_length else 0
            tok["truncated"] = cut
            tok["truncated_percent"] = round(100.0 * cut / n, 2) if n else 0.0
            stats["tokens"][split] = tok
    return stats


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Left-aligned first column, right-aligned numbers, two spaces between columns."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def fmt(r: list[str]) -> str:
        return "  ".join(str(c).rjust(w) if i else str(c).ljust(w) for i, (c, w) in enumerate(zip(r, widths)))

    return [fmt(header), "  ".join("-" * w for w in widths), *(fmt(r) for r in rows)]


def format_stats(stats: dict[str, Any]) -> str:
    """A readable plain-text report of `compute_stats` output for the terminal."""
    lines = [f"source: {stats['source']}"]
    if stats.get("created_splits"):
        lines.append(f"created splits (seeded, stratified): {', '.join(stats['created_splits'])}")
    lines.append("")
    header = ["class", *SPLITS]
    cls = stats["classes"]
    rows = [
        [name, *(f"{cls[s][name]['count']} ({cls[s][name]['percent']:.1f}%)" for s in SPLITS)]
        for name in stats["label_names"]
    ]
    rows.append(["total" if not stats.get("multi_label") else "rows (labels per row)",
                 *(str(stats["rows"][s]) + (f" ({sum(c['count'] for c in cls[s].values()) / max(stats['rows'][s], 1):.2f})"
                                            if stats.get("multi_label") else "") for s in SPLITS)])
    lines += _table(header, rows) + [""]
    sections = [("chars", "characters")] + ([("tokens", "tokens")] if "tokens" in stats else [])
    for key, title in sections:
        keys = ["mean", "median", "p95", "max"] + (["truncated"] if key == "tokens" else [])
        label = f"{title} (max_length {stats.get('max_length')})" if key == "tokens" else title
        rows = [[s, *(_num(stats[key][s][k]) for k in keys)] for s in SPLITS]
        lines += [label] + _table(["split", *keys], rows) + [""]
    dup = stats["duplicates"]
    lines.append(
        "duplicates dropped (with conflicting labels): "
        + ", ".join(f"{s} {dup[s]['dropped']} ({dup[s]['label_conflicts']})" for s in SPLITS)
    )
    leak = ", ".join(f"{k} {v}" for k, v in stats["leakage"].items()) or "none"
    lines.append(f"leakage (same text in both): {leak}")
    return "\n".join(lines)


def _num(x: float) -> str:
    return f"{x:.1f}".removesuffix(".0")
