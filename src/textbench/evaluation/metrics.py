"""Classification metrics from scikit-learn, computed the same way for every run.

Single-label: ``labels`` (N,) class ids, ``probs`` (N, K) softmax. Multi-label: ``labels`` (N, K) 0/1,
``probs`` (N, K) sigmoid, optional ``thresholds`` (K,); 2-D labels send every function here to
:mod:`textbench.evaluation.multilabel`.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    confusion_matrix,
    matthews_corrcoef,
    precision_recall_fscore_support,
)

from textbench.evaluation.multilabel import (
    binary_cross_entropy,
    multilabel_full_report,
    multilabel_scalar_metrics,
    sigmoid,
)
from textbench.evaluation.names import METRIC_NAMES  # noqa: F401  (re-exported)


def softmax(logits: np.ndarray) -> np.ndarray:
    """Numerically stable softmax over the last axis."""
    z = logits - logits.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def probabilities(logits: np.ndarray, multi_label: bool) -> np.ndarray:
    """Float64 probabilities from logits: sigmoid per label (multi-label) or softmax over classes."""
    logits = np.asarray(logits, dtype=np.float64)
    return sigmoid(logits) if multi_label else softmax(logits)


def _is_multi_label(labels: np.ndarray) -> bool:
    return np.asarray(labels).ndim == 2


def scalar_metrics(
    probs: np.ndarray, labels: np.ndarray, num_labels: int, thresholds: np.ndarray | None = None
) -> dict[str, float]:
    """Accuracy, balanced accuracy, P/R/F1 (macro, micro, weighted), MCC, mean entropy.

    2-D ``labels`` (multi-label): :func:`multilabel_scalar_metrics` with ``thresholds``, which
    single-label metrics ignore.
    """
    if _is_multi_label(labels):
        return multilabel_scalar_metrics(probs, labels, thresholds)
    probs = np.asarray(probs, dtype=np.float64)
    labels = np.asarray(labels)
    preds = probs.argmax(axis=-1)
    # classes in the split's truth or predictions (scikit-learn's default): a class with no example
    # and no prediction here is left out of the averages instead of counting as F1 0
    ids = sorted(set(labels.tolist()) | set(preds.tolist())) or list(range(num_labels))
    out: dict[str, float] = {
        "accuracy": float(accuracy_score(labels, preds)),
        "balanced_accuracy": float(_balanced_accuracy(labels, preds)),
    }
    for avg in ("macro", "micro", "weighted"):
        p, r, f, _ = precision_recall_fscore_support(
            labels, preds, labels=ids, average=avg, zero_division=0
        )
        out[f"{avg}_precision"], out[f"{avg}_recall"], out[f"{avg}_f1"] = float(p), float(r), float(f)
    out["mcc"] = float(matthews_corrcoef(labels, preds)) if len(labels) else 0.0
    ent = -(probs * np.log(np.clip(probs, 1e-12, 1.0))).sum(axis=-1)
    out["entropy"] = float(ent.mean()) if len(ent) else 0.0
    return out


def log_loss(probs: np.ndarray, labels: np.ndarray) -> float:
    """Mean negative log-probability of the true class (0.0 for no rows); multi-label: mean binary
    cross-entropy."""
    labels = np.asarray(labels)
    if labels.ndim == 2:
        return binary_cross_entropy(probs, labels)
    if not len(labels):
        return 0.0
    p = np.clip(np.asarray(probs)[np.arange(len(labels)), labels], 1e-12, 1.0)
    return float(-np.mean(np.log(p)))


def _balanced_accuracy(labels: np.ndarray, preds: np.ndarray) -> float:
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # classes absent from a small split
        return balanced_accuracy_score(labels, preds) if len(labels) else 0.0


def full_report(
    probs: np.ndarray, labels: np.ndarray, label_names: list[str], thresholds: np.ndarray | None = None
) -> dict[str, Any]:
    """Scalar metrics plus per-class precision/recall/F1/support and the confusion matrix.

    2-D ``labels``: :func:`multilabel_full_report` (per-label thresholds, no confusion matrix).
    """
    if _is_multi_label(labels):
        return multilabel_full_report(probs, labels, label_names, thresholds)
    n = len(label_names)
    out: dict[str, Any] = scalar_metrics(probs, labels, n)
    preds = np.asarray(probs).argmax(axis=-1)
    p, r, f, s = precision_recall_fscore_support(
        labels, preds, labels=list(range(n)), average=None, zero_division=0
    )
    out["per_class"] = {
        name: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
        for i, name in enumerate(label_names)
    }
    out["classes_without_examples"] = [name for i, name in enumerate(label_names) if s[i] == 0]
    out["confusion_matrix"] = confusion_matrix(labels, preds, labels=list(range(n))).tolist()
    out["label_names"] = list(label_names)
    out["num_examples"] = int(len(labels))
    return out


def make_compute_metrics(
    num_labels: int,
    per_text: Callable[[np.ndarray, np.ndarray], tuple] | None = None,
    multi_label: bool = False,
) -> Callable[[Any], dict[str, float]]:
    """A ``compute_metrics`` callable for ``transformers.Trainer``; ``per_text`` turns rows (windows of
    chunked texts) into texts first, so the metrics are per text. ``multi_label``: sigmoid of the
    logits, each label predicted at 0.5."""

    def compute(eval_pred: Any) -> dict[str, float]:
        logits, labels = eval_pred.predictions, eval_pred.label_ids
        if isinstance(logits, tuple):
            logits = logits[0]
        if per_text is not None:
            logits, labels = per_text(np.asarray(logits), np.asarray(labels))
        probs = probabilities(logits, multi_label)
        if multi_label:
            return multilabel_scalar_metrics(probs, labels)
        return scalar_metrics(probs, labels, num_labels)

    return compute
