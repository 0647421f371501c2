"""Convergence flags: runs still improving at their last epoch, runs a time budget cut short.

A verdict about an arm whose runs had not converged says so: its score may be an
artefact of the epoch count or the budget, not of the approach.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textbench.evaluation.names import LOWER_IS_BETTER


@dataclass(frozen=True)
class Convergence:
    """One arm: how many of its runs were still improving, or stopped by the budget."""

    runs: int
    still_improving: int
    stopped_by_budget: int
    epochs_when_stopped: tuple[float, ...] = ()

    @property
    def flagged(self) -> bool:
        return bool(self.still_improving or self.stopped_by_budget)

    def phrase(self) -> str:
        """``"still improving in 2 of 3 seeds"``, ``"stopped by its time budget after 0.02 epochs"``."""
        parts = []
        if self.still_improving:
            parts.append(f"still improving at its last epoch in {self.still_improving} of {self.runs}"
                         f" seed{'s' if self.runs > 1 else ''}")
        if self.stopped_by_budget:
            eps = ", ".join(f"{e:.2g}" for e in self.epochs_when_stopped)
            parts.append(f"stopped by its time budget in {self.stopped_by_budget} of {self.runs} seed"
                         f"{'s' if self.runs > 1 else ''} (after {eps} epochs)")
        return "; ".join(parts)


def still_improving(history: list[dict[str, Any]], metric: str) -> bool:
    """The best evaluation is the last one and it improved on the one before."""
    key = f"eval_{metric}"
    values = [float(r[key]) for r in history if r.get(key) is not None]
    if len(values) < 2:
        return False
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    last, before = sign * values[-1], sign * values[-2]
    return last > before and last >= max(sign * v for v in values)


def arm_convergence(arm: Any, metric: str) -> Convergence:
    """From the runs' stored training logs and costs (baselines and references are never flagged)."""
    if arm.kind not in ("scratch", "pretrained"):
        return Convergence(len(arm.runs), 0, 0)
    improving = sum(still_improving(r.history, metric) for r in arm.runs)
    stopped = [r for r in arm.runs if r.cost.stopped_by_time_budget]
    return Convergence(len(arm.runs), improving, len(stopped),
                       tuple(float(r.cost.epochs_completed or 0.0) for r in stopped))
