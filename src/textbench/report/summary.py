"""The report's generated summary: who wins on quality, who on cost, where the Pareto front lies."""

from __future__ import annotations

from textbench.report.analysis import ArmSummary, Significance, compare, pareto
from textbench.report.convergence import Convergence
from textbench.report.format import METRIC_NAMES, fmt_count, fmt_q, fmt_seconds
from textbench.report.significance import verdict

MODEL_KINDS = ("scratch", "pretrained")


def _best(summaries: list[ArmSummary], metric: str, kinds: tuple[str, ...]) -> ArmSummary | None:
    cands = [s for s in summaries if s.arm.kind in kinds and s.quality.get(metric) and s.arm.has_predictions]
    return max(cands, key=lambda s: s.quality[metric][0]) if cands else None  # type: ignore[index]


def _cheapest(summaries: list[ArmSummary], attr: str, lowest: bool = True) -> ArmSummary | None:
    cands = [s for s in summaries if s.arm.kind in MODEL_KINDS and getattr(s, attr) is not None]
    if not cands:
        return None
    return (min if lowest else max)(cands, key=lambda s: getattr(s, attr))


def summary_lines(summaries: list[ArmSummary], sig: Significance, num_labels: int,
                  convergence: dict[str, Convergence] | None = None) -> list[str]:
    """The Summary bullets; verdicts involving an arm that had not converged say so."""
    convergence = convergence or {}

    def caveat(*names: str) -> str:
        flagged = [n for n in names if n in convergence and convergence[n].flagged]
        return "".join(f" Caution: `{n}` was {convergence[n].phrase()}." for n in flagged)

    metric = sig.metric
    mname = METRIC_NAMES.get(metric, metric)
    by_name = {s.name: s for s in summaries}
    lines: list[str] = []
    if sig.best is None:
        return ["No arm has a complete run yet; nothing to compare."]
    best = by_name[sig.best]
    same = [c.arm for c in sig.comparisons if c.verdict == "no detectable difference"]
    worse = [c.arm for c in sig.comparisons if c.verdict == "worse"]
    q = best.quality[metric]
    seeds = len(best.arm.runs)
    over = "runs (seeds x cross-validation folds)" if any(r.fold is not None for r in best.arm.runs) else "seeds"
    text = (f"**Quality:** `{best.name}` ({best.arm.label}) has the highest mean test {mname},"
            f" {fmt_q(q, seeds)}{f' over {seeds} {over}' if seeds > 1 else ''}.")
    if same:
        text += (f" No detectable difference from it (paired bootstrap, Holm-adjusted, alpha {sig.alpha:g}): "
                 + ", ".join(f"`{n}`" for n in same) + ".")
    if worse:
        text += f" {len(worse)} arm{'s are' if len(worse) > 1 else ' is'} detectably worse."
    lines.append(text + caveat(best.name))

    scratch = _best(summaries, metric, ("scratch",))
    tuned = _best(summaries, metric, ("pretrained",))
    if scratch and tuned:
        boot, _ = compare(tuned.arm, scratch.arm, num_labels, metric, sig.samples)
        v = verdict(boot.diff, boot.p_value, sig.alpha)
        word = {"better": "beats", "worse": "loses to", "no detectable difference": "is not detectably different from"}[v]
        lines.append(
            f"**From scratch or fine-tuned?** The best fine-tuned arm `{tuned.name}` ({fmt_q(tuned.quality[metric], len(tuned.arm.runs))})"
            f" {word} the best from-scratch arm `{scratch.name}` ({fmt_q(scratch.quality[metric], len(scratch.arm.runs))}):"
            f" difference {boot.diff:+.3f} {mname} (95% CI {boot.ci_low:+.3f} to {boot.ci_high:+.3f},"
            f" paired bootstrap p = {boot.p_value:.3g}, a single planned comparison, unadjusted)."
            + caveat(tuned.name, scratch.name)
        )
    baseline = _best(summaries, metric, ("baseline",))
    if baseline:
        models = [s for s in summaries if s.arm.kind in MODEL_KINDS and s.quality.get(metric)]
        above = [s for s in models if s.quality[metric][0] > baseline.quality[metric][0]]  # type: ignore[index]
        text = (f"**Classic baseline:** the best, `{baseline.name}`, reaches"
                f" {fmt_q(baseline.quality[metric], len(baseline.arm.runs))} in {fmt_seconds(baseline.train_seconds)} s"
                " of training")
        if models:
            text += f"; {len(above)} of {len(models)} model arms score higher on the mean"
        lines.append(text + ".")

    cost = []
    c = _cheapest(summaries, "train_seconds")
    if c:
        cost.append(f"fastest to train `{c.name}` ({fmt_seconds(c.train_seconds)} s)")
    c = _cheapest(summaries, "params_trainable")
    if c:
        cost.append(f"fewest trainable parameters `{c.name}` ({fmt_count(c.params_trainable)})")
    c = _cheapest(summaries, "ms_per_text")
    if c:
        cost.append(f"fastest at inference `{c.name}` ({c.ms_per_text:.3g} ms per text)")
    c = _cheapest(summaries, "peak_memory_mb")
    if c:
        cost.append(f"least memory `{c.name}` ({c.peak_memory_mb:,.0f} MB peak)")
    if cost:
        lines.append("**Cost (model arms):** " + "; ".join(cost) + ".")

    front = pareto(summaries, metric, "train_seconds")
    if front:
        steps = " -> ".join(f"`{s.name}` ({s.quality[metric][0]:.3f}, {fmt_seconds(s.train_seconds)} s)"  # type: ignore[index]
                            for s in front)
        lines.append(f"**Pareto front ({mname} against train time):** {steps}. Every other arm is beaten by one of"
                     " these on both quality and training time.")
    return lines
