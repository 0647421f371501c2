"""Paired significance tests on test-set predictions.

The report's primary test is a **paired bootstrap of macro-F1**: the test set is
resampled with replacement B times; each resample is applied to both arms (paired);
an arm's score on a resample is its macro-F1 averaged over its seeds. The two-sided
p-value is twice the smaller tail of the bootstrap distribution of the difference
around 0 (with the +1 correction, capped at 1). It measures test-set sampling
uncertainty of the seed-averaged score; seed-to-seed spread is reported as ± std.
Comparisons against the best arm are corrected with **Holm-Bonferroni**.

**McNemar's test** on per-example correctness is reported per seed alongside
(unadjusted): exact two-sided binomial on the discordant pairs when there are fewer
than 25 of them, otherwise chi-squared with continuity correction.

Under K-fold cross-validation the fold-to-fold differences are tested too, with the
**corrected resampled t-test** (Nadeau and Bengio, 2003): the variance of the K paired
differences is inflated by ``1/K + n_validation/n_train`` (the folds' training sets overlap,
so the plain t-test's independence assumption fails and it rejects far too often).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

EXACT_BELOW = 25  # discordant pairs: exact binomial below this, chi-squared from here on
VERDICT_BETTER, VERDICT_SAME, VERDICT_WORSE = "better", "no detectable difference", "worse"


@dataclass
class CorrectedT:
    diff: float  # mean over folds of score(A) - score(B)
    t: float
    p_value: float  # two-sided, K - 1 degrees of freedom
    folds: int


def corrected_resampled_t(diffs: Sequence[float], test_train_ratio: float) -> CorrectedT:
    """Nadeau and Bengio's corrected resampled t-test on per-fold score differences."""
    from scipy import stats

    d = np.asarray(diffs, dtype=np.float64)
    k = len(d)
    mean = float(d.mean()) if k else 0.0
    var = float(d.var(ddof=1)) if k > 1 else 0.0
    if k < 2 or np.all(d == d[0]):  # identical differences on every fold: no spread to test against
        return CorrectedT(mean, float("inf") if mean else 0.0, 0.0 if mean and k > 1 else 1.0, k)
    t = mean / np.sqrt((1.0 / k + test_train_ratio) * var)
    return CorrectedT(mean, float(t), float(2 * stats.t.sf(abs(t), df=k - 1)), k)


@dataclass
class McNemarResult:
    a_only: int  # examples A gets right and B wrong
    b_only: int  # examples B gets right and A wrong
    p_value: float
    method: str  # exact | chi2 | none


def mcnemar(labels: Sequence[int], pred_a: Sequence[int], pred_b: Sequence[int]) -> McNemarResult:
    """McNemar's test of equal error rates of two classifiers on the same examples."""
    from scipy.stats import binomtest, chi2

    y = np.asarray(labels)
    ca, cb = correct(pred_a, y), correct(pred_b, y)
    a_only, b_only = int(np.sum(ca & ~cb)), int(np.sum(~ca & cb))
    n = a_only + b_only
    if n == 0:
        return McNemarResult(a_only, b_only, 1.0, "none")
    if n < EXACT_BELOW:
        p = float(binomtest(a_only, n, 0.5, alternative="two-sided").pvalue)
        return McNemarResult(a_only, b_only, min(1.0, p), "exact")
    stat = (abs(a_only - b_only) - 1) ** 2 / n
    return McNemarResult(a_only, b_only, float(chi2.sf(stat, df=1)), "chi2")


def correct(pred: Sequence, y: np.ndarray) -> np.ndarray:
    """Per-example correctness: the right class, or for multi-label rows ((n, K) 0/1) every label right."""
    pred = np.asarray(pred)
    return (pred == y).all(axis=1) if y.ndim == 2 else pred == y


def _f1_per_resample(weights: np.ndarray, y: np.ndarray, pred: np.ndarray, num_labels: int,
                     metric: str) -> np.ndarray:
    """Metric on each resample given (B, n) example counts (multi-label: subset accuracy, macro-F1 over labels)."""
    if metric == "accuracy":
        return weights @ correct(pred, y).astype(np.float64) / weights.sum(axis=1)
    cols = []
    for k in range(num_labels):
        if y.ndim == 2:  # multi-label: label k applies (truth) / is predicted
            t, p = y[:, k].astype(bool), pred[:, k].astype(bool)
        else:
            t, p = y == k, pred == k
        cols += [t & p, ~t & p, t & ~p]
    counts = weights @ np.stack(cols, axis=1).astype(np.float64)  # (B, 3K): tp, fp, fn per class
    tp, fp, fn = counts[:, 0::3], counts[:, 1::3], counts[:, 2::3]
    denom = 2 * tp + fp + fn
    f1 = np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)
    return f1.mean(axis=1)


def observed_score(labels: Sequence[int], preds: Sequence[Sequence[int]], num_labels: int,
                   metric: str = "macro_f1") -> float:
    """Metric averaged over seeds (same formula as the bootstrap, on the full test set)."""
    y = np.asarray(labels)
    w = np.ones((1, len(y)))
    return float(np.mean([_f1_per_resample(w, y, np.asarray(p), num_labels, metric)[0] for p in preds]))


@dataclass
class BootstrapResult:
    diff: float  # observed score(A) - score(B), seeds averaged
    ci_low: float  # 95% percentile interval of the difference
    ci_high: float
    p_value: float
    samples: int


def paired_bootstrap(labels: Sequence[int], preds_a: Sequence[Sequence[int]], preds_b: Sequence[Sequence[int]],
                     num_labels: int, *, samples: int = 2000, seed: int = 0, metric: str = "macro_f1",
                     chunk: int = 250) -> BootstrapResult:
    """Paired bootstrap of the seed-averaged metric difference A - B on one test set."""
    y = np.asarray(labels)
    n = len(y)
    pa = [np.asarray(p) for p in preds_a]
    pb = [np.asarray(p) for p in preds_b]
    diff = observed_score(y, pa, num_labels, metric) - observed_score(y, pb, num_labels, metric)
    rng = np.random.default_rng(seed)
    diffs = np.empty(samples)
    for start in range(0, samples, chunk):
        b = min(chunk, samples - start)
        idx = rng.integers(0, n, size=(b, n))
        w = np.zeros((b, n))
        np.add.at(w, (np.repeat(np.arange(b), n), idx.ravel()), 1.0)
        sa = np.mean([_f1_per_resample(w, y, p, num_labels, metric) for p in pa], axis=0)
        sb = np.mean([_f1_per_resample(w, y, p, num_labels, metric) for p in pb], axis=0)
        diffs[start:start + b] = sa - sb
    le, ge = np.sum(diffs <= 0), np.sum(diffs >= 0)
    p = min(1.0, 2 * (min(le, ge) + 1) / (samples + 1))
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    return BootstrapResult(float(diff), float(lo), float(hi), float(p), samples)


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values (same order as given)."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def verdict(diff: float, p_value: float, alpha: float = 0.05) -> str:
    """Plain-language verdict for A against B from the difference A - B and its (adjusted) p-value."""
    if p_value < alpha and diff > 0:
        return VERDICT_BETTER
    if p_value < alpha and diff < 0:
        return VERDICT_WORSE
    return VERDICT_SAME
