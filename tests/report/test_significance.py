"""Paired tests on hand-made predictions, Holm's correction and the Pareto front."""

from __future__ import annotations

import numpy as np
import pytest

from textbench.report.pareto import pareto_front
from textbench.report.significance import (
    VERDICT_BETTER,
    VERDICT_SAME,
    VERDICT_WORSE,
    holm,
    mcnemar,
    observed_score,
    paired_bootstrap,
    verdict,
)


def _labels(n=300, k=3, seed=0):
    return np.random.default_rng(seed).integers(0, k, n)


def test_identical_predictions_give_p_one_and_no_difference():
    y = _labels()
    p = np.where(np.arange(len(y)) % 3 == 0, (y + 1) % 3, y)
    mc = mcnemar(y, p, p)
    assert mc.p_value == 1.0 and mc.a_only == mc.b_only == 0
    boot = paired_bootstrap(y, [p, p], [p, p], 3, samples=500)
    assert boot.diff == 0 and boot.p_value == 1.0
    assert verdict(boot.diff, boot.p_value) == VERDICT_SAME


def test_clearly_better_arm_is_better_and_the_other_worse():
    y = _labels()
    good = y.copy()
    good[:30] = (y[:30] + 1) % 3  # 90% right
    bad = y.copy()
    bad[:150] = (y[:150] + 1) % 3  # 50% right
    boot = paired_bootstrap(y, [good], [bad], 3, samples=1000)
    assert boot.diff > 0.3 and boot.p_value < 0.01 and boot.ci_low > 0
    assert verdict(boot.diff, boot.p_value) == VERDICT_BETTER
    back = paired_bootstrap(y, [bad], [good], 3, samples=1000)
    assert verdict(back.diff, back.p_value) == VERDICT_WORSE
    mc = mcnemar(y, good, bad)
    assert mc.method == "chi2" and mc.p_value < 1e-6 and mc.a_only == 120


def test_small_difference_is_not_detectable():
    y = _labels()
    a = y.copy()
    a[:60] = (y[:60] + 1) % 3
    b = y.copy()
    b[2:62] = (y[2:62] + 1) % 3  # same accuracy, 4 discordant examples
    mc = mcnemar(y, a, b)
    assert mc.method == "exact" and mc.a_only + mc.b_only == 4 and mc.p_value > 0.5
    boot = paired_bootstrap(y, [a], [b], 3, samples=500)
    assert verdict(boot.diff, boot.p_value) == VERDICT_SAME


def test_exact_mcnemar_matches_the_binomial():
    y = np.zeros(20, dtype=int)
    a = np.zeros(20, dtype=int)
    b = np.zeros(20, dtype=int)
    b[:6] = 1  # A right and B wrong on 6, never the reverse
    assert mcnemar(y, a, b).p_value == pytest.approx(2 * 0.5**6)


def test_bootstrap_is_seeded_and_matches_sklearn_macro_f1():
    from sklearn.metrics import f1_score

    y = _labels(200, 4, 1)
    p = np.where(np.arange(200) % 4 == 0, 0, y)
    assert observed_score(y, [p], 4) == pytest.approx(f1_score(y, p, average="macro"))
    a = paired_bootstrap(y, [p], [y], 4, samples=300, seed=3)
    b = paired_bootstrap(y, [p], [y], 4, samples=300, seed=3)
    assert a == b


def test_holm():
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([]) == []
    assert holm([0.9, 0.5]) == pytest.approx([1.0, 1.0])
    assert holm([0.02, 0.3]) == pytest.approx([0.04, 0.3])


def test_pareto_front():
    pts = [(10, 0.5), (1, 0.2), (5, 0.6), (20, 0.55), (0, 0.2), (30, 0.9)]
    assert pareto_front(pts) == [4, 2, 5]
