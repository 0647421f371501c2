"""Cross-validation folds: train + validation pooled and cut into K stratified folds; test untouched.

Fold ``f`` of ``K`` validates on the f-th fold and trains on the others. The folds depend only
on the pooled rows, ``K`` and ``data.split_seed``, so every arm of a study gets the same folds.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from textbench.data.raw import RawSplit
from textbench.errors import DataError


def fold_splits(splits: dict[str, RawSplit], ids: dict[str, list[int]], names: list[str], k: int, fold: int,
                seed: int) -> str:
    """Replace ``splits``/``ids`` train and validation by fold ``fold`` of ``k`` (in place); a note."""
    from sklearn.model_selection import StratifiedKFold

    pool = splits["train"].concat(splits["validation"])
    labels = ids["train"] + ids["validation"]
    if labels and isinstance(labels[0], tuple):
        return _multilabel_folds(splits, ids, pool, labels, names, k, fold, seed)
    counts = Counter(labels)
    small = [(names[c], n) for c, n in counts.items() if n < k]
    if small:
        listed = ", ".join(f"{name!r} has {n}" for name, n in sorted(small, key=lambda x: x[1])[:3])
        raise DataError(f"data.cv_folds: {k} folds need at least {k} rows of every class in train + validation;"
                        f" {listed}; use fewer folds")
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    train_idx, val_idx = list(folds.split(np.zeros(len(labels)), labels))[fold]
    splits["train"] = pool.take([int(i) for i in train_idx])
    splits["validation"] = pool.take([int(i) for i in val_idx])
    ids["train"] = [labels[i] for i in train_idx]
    ids["validation"] = [labels[i] for i in val_idx]
    return (f"cross-validation fold {fold + 1} of {k}: {len(train_idx):,} training and {len(val_idx):,} validation"
            " rows from train + validation (stratified); test untouched")


def _multilabel_folds(splits: dict[str, RawSplit], ids: dict[str, list], pool: RawSplit, labels: list, names: list[str],
                      k: int, fold: int, seed: int) -> str:
    """Folds of multi-label rows by iterative stratification; labels rarer than ``k`` rows are named."""
    from textbench.data.multilabel import fold_indices, indicator, label_counts

    if len(labels) < k:
        raise DataError(f"data.cv_folds: {k} folds need at least {k} rows in train + validation, found"
                        f" {len(labels)}; use fewer folds")
    train_idx, val_idx = fold_indices(indicator(labels), k, fold, seed)
    splits["train"] = pool.take([int(i) for i in train_idx])
    splits["validation"] = pool.take([int(i) for i in val_idx])
    ids["train"] = [labels[i] for i in train_idx]
    ids["validation"] = [labels[i] for i in val_idx]
    rare = sorted(names[c] for c, n in label_counts(labels).items() if n < k)
    rare_note = (f"; {len(rare)} label(s) have fewer than {k} rows ({', '.join(map(repr, rare[:5]))}), so some"
                 " folds validate without them") if rare else ""
    return (f"cross-validation fold {fold + 1} of {k}: {len(train_idx):,} training and {len(val_idx):,} validation"
            f" rows from train + validation (iterative stratification); test untouched{rare_note}")
