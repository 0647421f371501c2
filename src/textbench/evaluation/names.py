"""Names of the scalar metrics (importing this imports no scikit-learn: configs check against it)."""

from __future__ import annotations

# Scalar metrics logged per evaluation (Trainer prefixes them with "eval_"); samples_f1, hamming_loss
# and lrap exist for multi-label runs only.
METRIC_NAMES: tuple[str, ...] = (
    "accuracy",
    "balanced_accuracy",
    "macro_precision",
    "macro_recall",
    "macro_f1",
    "micro_precision",
    "micro_recall",
    "micro_f1",
    "weighted_precision",
    "weighted_recall",
    "weighted_f1",
    "samples_f1",
    "hamming_loss",
    "lrap",
    "mcc",
    "entropy",
    "loss",
)

# Metrics whose best value is the smallest (best epoch, best trial, best run).
LOWER_IS_BETTER: tuple[str, ...] = ("loss", "entropy", "hamming_loss")
