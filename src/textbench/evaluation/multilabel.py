"""Multi-label metrics: sigmoid probabilities, per-label thresholds, indicator-matrix scores.

Arrays: ``probs`` (N, K) sigmoid probabilities, ``labels`` (N, K) 0/1 (ints or floats),
``thresholds`` (K,) floats; a label is predicted where its probability is at least its threshold.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import label_ranking_average_precision_score

# Candidate thresholds 0.05, 0.10, ..., 0.95 (rounded so 0.35 is the float written 0.35).
THRESHOLD_GRID: np.ndarray = np.round(np.arange(1, 20) * 0.05, 2)
DEFAULT_THRESHOLD = 0.5
_EPS = 1e-12


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function, element-wise."""
    x = np.asarray(logits, dtype=np.float64)
    e = np.exp(-np.abs(x))  # never overflows
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _arrays(probs: np.ndarray, labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """``probs`` as float (N, K) and ``labels`` as a 0/1 int (N, K) matrix; empty inputs keep K from either."""
    p = np.asarray(probs, dtype=np.float64)
    y = None if labels is None else np.asarray(labels, dtype=np.float64)
    k = p.shape[-1] if p.ndim == 2 else (y.shape[-1] if y is not None and y.ndim == 2 else 0)
    p = p.reshape(-1, k) if p.size == 0 else p
    if y is not None:
        y = (y.reshape(-1, k) if y.size == 0 else y) >= 0.5
        if y.shape != p.shape:
            raise ValueError(f"multi-label probs {p.shape} and labels {y.shape} differ in shape")
        y = y.astype(np.int64)
    return p, y


def _thresholds(thresholds: np.ndarray | None, k: int) -> np.ndarray:
    if thresholds is None:
        return np.full(k, DEFAULT_THRESHOLD)
    t = np.asarray(thresholds, dtype=np.float64).reshape(-1)
    if t.shape != (k,):
        raise ValueError(f"{t.size} thresholds for {k} labels")
    return t


def predict_labels(probs: np.ndarray, thresholds: np.ndarray | None = None) -> np.ndarray:
    """(N, K) 0/1 int predictions: ``probs >= thresholds`` (0.5 for each label by default)."""
    p, _ = _arrays(probs)
    return (p >= _thresholds(thresholds, p.shape[1])[None, :]).astype(np.int64)


def tune_thresholds(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """(K,) per-label thresholds from ``THRESHOLD_GRID`` that maximise each label's F1 on these rows.

    Ties go to the threshold nearest 0.5 (of two equally near, the lower); a label with no positive
    among the rows keeps 0.5.
    """
    p, y = _arrays(probs, labels)
    k = p.shape[1]
    pos = y.sum(axis=0)  # (K,)
    out = np.full(k, DEFAULT_THRESHOLD)
    if not len(p):
        return out
    pred = p[None, :, :] >= THRESHOLD_GRID[:, None, None]  # (G, N, K)
    tp = (pred & (y[None] == 1)).sum(axis=1)  # (G, K)
    denom = pred.sum(axis=1) + pos[None, :]
    f1 = np.divide(2.0 * tp, denom, out=np.zeros(tp.shape), where=denom > 0)
    best = f1 >= f1.max(axis=0, keepdims=True) - 1e-12
    # rank grid points by distance to 0.5 (in grid steps), then by value: the first best one wins
    order = np.lexsort((THRESHOLD_GRID, np.abs(np.arange(len(THRESHOLD_GRID)) - 9)))
    chosen = order[best[order].argmax(axis=0)]
    return np.where(pos > 0, THRESHOLD_GRID[chosen], out)


def _zero_metrics() -> dict[str, float]:
    keys = ["accuracy", "balanced_accuracy"]
    keys += [f"{a}_{m}" for a in ("macro", "micro", "weighted") for m in ("precision", "recall", "f1")]
    keys += ["samples_f1", "hamming_loss", "lrap", "mcc", "entropy"]
    return dict.fromkeys(keys, 0.0)


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (scikit-learn's zero_division=0)."""
    num, den = np.asarray(num, dtype=np.float64), np.asarray(den, dtype=np.float64)
    return np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape), where=den > 0)


def _counts(y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per-label (K,) true positives, false positives, false negatives, true negatives."""
    return tuple(((pred == a) & (y == b)).sum(axis=0).astype(np.float64) for a, b in ((1, 1), (1, 0), (0, 1), (0, 0)))


def _per_label_prf(y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-label precision, recall, F1 and support, as scikit-learn's ``average=None``."""
    tp, fp, fn, _ = _counts(y, pred)
    return _ratio(tp, tp + fp), _ratio(tp, tp + fn), _ratio(2 * tp, 2 * tp + fp + fn), (tp + fn).astype(np.int64)


def _averaged_prf(y: np.ndarray, pred: np.ndarray, ids: list[int]) -> dict[str, float]:
    """Macro (over ``ids``), micro and weighted precision/recall/F1, as scikit-learn's on indicator matrices
    (computed here so a single label column is not read as a binary class vector)."""
    tp, fp, fn, _ = _counts(y, pred)
    pr, rc, f1, support = _per_label_prf(y, pred)
    out: dict[str, float] = {}
    w = support / support.sum() if support.sum() else np.zeros(len(support))
    for name, v in (("precision", pr), ("recall", rc), ("f1", f1)):
        out[f"macro_{name}"] = float(v[ids].mean())
        out[f"weighted_{name}"] = float((v * w).sum())
    tp, fp, fn = tp.sum(), fp.sum(), fn.sum()
    out["micro_precision"] = float(_ratio(tp, tp + fp))
    out["micro_recall"] = float(_ratio(tp, tp + fn))
    out["micro_f1"] = float(_ratio(2 * tp, 2 * tp + fp + fn))
    return out


def _per_label_binary(y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-label balanced accuracy and MCC (each label scored as its own binary task)."""
    tp, fp, fn, tn = _counts(y, pred)
    # as scikit-learn: a class absent from the truth drops out of the balanced accuracy's mean
    tpr = np.divide(tp, tp + fn, out=np.full(tp.shape, np.nan), where=(tp + fn) > 0)
    tnr = np.divide(tn, tn + fp, out=np.full(tn.shape, np.nan), where=(tn + fp) > 0)
    bal = np.nanmean(np.stack([tpr, tnr]), axis=0)  # with rows, a label has positives or negatives
    denom = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    mcc = _ratio(tp * tn - fp * fn, denom)  # 0 where undefined, as scikit-learn
    return bal, mcc


def multilabel_scalar_metrics(
    probs: np.ndarray, labels: np.ndarray, thresholds: np.ndarray | None = None
) -> dict[str, float]:
    """Scalar metrics for multi-label predictions (``probs >= thresholds``, 0.5 by default).

    ``accuracy`` is subset accuracy (every label of a row right); precision/recall/F1 are as
    scikit-learn's on indicator matrices (zero_division=0; macro leaves out a label with neither an
    example nor a prediction, as the single-label metrics do); ``samples_f1`` averages each row's F1
    (0 for a row with no true and no predicted label, as scikit-learn);
    ``hamming_loss`` is the share of wrong cells; ``lrap`` is label ranking average precision;
    ``entropy`` is the mean binary entropy per label and row (nats). ``balanced_accuracy`` and
    ``mcc`` are means over labels of each label's binary balanced accuracy and MCC. No rows: zeros.
    """
    p, y = _arrays(probs, labels)
    if not len(p) or not p.shape[1]:
        return _zero_metrics()
    pred = predict_labels(p, thresholds)
    ids = np.flatnonzero((y.sum(axis=0) > 0) | (pred.sum(axis=0) > 0)).tolist() or list(range(y.shape[1]))
    bal, mcc = _per_label_binary(y, pred)
    out: dict[str, float] = {
        "accuracy": float((pred == y).all(axis=1).mean()),
        "balanced_accuracy": float(bal.mean()),
    }
    out.update(_averaged_prf(y, pred, ids))
    out["samples_f1"] = float(_ratio(2 * (pred & y).sum(axis=1), pred.sum(axis=1) + y.sum(axis=1)).mean())
    out["hamming_loss"] = float((pred != y).mean())
    out["lrap"] = float(label_ranking_average_precision_score(y, p))
    out["mcc"] = float(mcc.mean())
    q = np.clip(p, _EPS, 1.0 - _EPS)
    out["entropy"] = float(-(q * np.log(q) + (1.0 - q) * np.log(1.0 - q)).mean())
    return out


def binary_cross_entropy(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean binary cross-entropy over rows and labels (probabilities clipped; 0.0 for no rows)."""
    p = np.asarray(probs, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    if not y.size:
        return 0.0
    q = np.clip(p, _EPS, 1.0 - _EPS)
    return float(-np.mean(y * np.log(q) + (1.0 - y) * np.log(1.0 - q)))


def multilabel_full_report(
    probs: np.ndarray, labels: np.ndarray, label_names: list[str], thresholds: np.ndarray | None = None
) -> dict[str, Any]:
    """Scalar metrics plus per-label precision/recall/F1/support/threshold and label cardinalities."""
    k = len(label_names)
    p, y = _arrays(probs, labels)
    if p.shape[1] != k:
        raise ValueError(f"{p.shape[1]} label columns for {k} label names")
    t = _thresholds(thresholds, k)
    out: dict[str, Any] = multilabel_scalar_metrics(p, y, t)
    pred = predict_labels(p, t)
    pr, rc, f, s = _per_label_prf(y, pred)
    out["per_class"] = {
        name: {"precision": float(pr[i]), "recall": float(rc[i]), "f1": float(f[i]), "support": int(s[i]),
               "threshold": float(t[i])}
        for i, name in enumerate(label_names)
    }
    out["classes_without_examples"] = [name for i, name in enumerate(label_names) if s[i] == 0]
    out["thresholds"] = [float(v) for v in t]
    out["multi_label"] = True
    out["label_cardinality"] = float(y.sum(axis=1).mean()) if len(y) else 0.0
    out["predicted_cardinality"] = float(pred.sum(axis=1).mean()) if len(pred) else 0.0
    out["label_names"] = list(label_names)
    out["num_examples"] = int(len(y))
    return out


def example_correct(probs: np.ndarray, labels: np.ndarray, thresholds: np.ndarray | None = None) -> np.ndarray:
    """(N,) bool: every label of the row predicted right (subset correctness, for paired tests)."""
    p, y = _arrays(probs, labels)
    return (predict_labels(p, thresholds) == y).all(axis=1)
