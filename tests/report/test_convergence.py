"""Convergence flags from a run's validation curve and its time budget."""

from __future__ import annotations

from types import SimpleNamespace

from textbench.report.convergence import arm_convergence, still_improving
from textbench.runs.records import Cost


def curve(*values, key="eval_macro_f1"):
    return [{key: v, "epoch": i + 1} for i, v in enumerate(values)]


def test_still_improving_means_best_at_the_last_evaluation_and_rising():
    assert still_improving(curve(0.5, 0.6, 0.7), "macro_f1")
    assert not still_improving(curve(0.5, 0.7, 0.6), "macro_f1")
    assert not still_improving(curve(0.5, 0.5), "macro_f1")  # flat: converged
    assert not still_improving(curve(0.7), "macro_f1")  # one evaluation says nothing
    assert still_improving(curve(0.9, 0.8, 0.7, key="eval_loss"), "loss")  # lower is better


def test_arm_flags_count_seeds_and_budget_stops():
    runs = [SimpleNamespace(history=curve(0.5, 0.6), cost=Cost()),
            SimpleNamespace(history=curve(0.6, 0.5), cost=Cost(stopped_by_time_budget=True, epochs_completed=0.02))]
    c = arm_convergence(SimpleNamespace(kind="pretrained", runs=runs), "macro_f1")
    assert c.flagged and (c.still_improving, c.stopped_by_budget) == (1, 1)
    assert "in 1 of 2 seeds" in c.phrase() and "after 0.02 epochs" in c.phrase()
    assert not arm_convergence(SimpleNamespace(kind="baseline", runs=runs), "macro_f1").flagged
