"""Multi-label rows: each row's labels as a set, read from a list, a delimited string or 0/1 columns.

A row's labels become a sorted tuple of names (or ids). A list (JSON/JSONL/Parquet), a cell holding a
JSON list (``["sport", "politics"]``) or a ``data.label_delimiter``-separated string (``sport|politics``)
give the names; with ``data.label_columns`` each column is one label, 1 (or true) when it applies. An
empty cell, list or all-zero columns: the row has no label, which multi-label data allows.

Splits, subsamples and folds keep each label's share with iterative stratification
(Sechidis et al. 2011, the ``iterative-stratification`` package).
"""

from __future__ import annotations

import json
import math
from collections import Counter
from typing import Any, Sequence

import numpy as np

from textbench.data.labels import normalize_label
from textbench.data.raw import RawSplit
from textbench.errors import DataError

LabelSet = tuple


def _flag(value: Any, where: str, column: str) -> bool:
    """A 0/1 cell of a label column."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not (isinstance(value, float) and math.isnan(value)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("0", "1", "0.0", "1.0", "true", "false"):
        return value.strip().lower() in ("1", "1.0", "true")
    raise DataError(f"{where}: label column {column!r} holds {value!r}; data.label_columns need 0 or 1 in each"
                    " cell (1: the label applies)")


def parse_label_set(value: Any, where: str, column: str, delimiter: str,
                    columns: Sequence[str] | None = None) -> LabelSet:
    """One row's labels as a sorted tuple without repeats; DataError naming the row for bad cells."""
    if columns is not None:
        return tuple(name for name, cell in zip(columns, value) if _flag(cell, where, name))
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise DataError(f"{where}: labels in column {column!r} are missing (null); an empty list or empty string"
                        " means a row with no label")
    if isinstance(value, str):
        s = value.strip()
        if s.startswith("["):
            try:
                value = json.loads(s)
            except json.JSONDecodeError as e:
                raise DataError(f"{where}: labels {s[:60]!r} in column {column!r} look like a JSON list but do not"
                                f" parse ({e.msg})") from None
        else:
            value = [part for part in s.split(delimiter) if part.strip()] if s else []
    if not isinstance(value, (list, tuple)):
        value = [value]
    items = [normalize_label(v, where, column) for v in value]
    if len({type(v) for v in items}) > 1:
        raise DataError(f"{where}: labels {items!r} in column {column!r} mix integers and strings")
    return tuple(sorted(set(items)))  # type: ignore[type-var]


def parse_label_sets(splits: dict[str, RawSplit], column: str, delimiter: str,
                     columns: Sequence[str] | None) -> str:
    """Turn every split's labels into label sets in place; return "int" or "str" (the kind of the names)."""
    first: tuple[str, str, object] | None = None
    for split in splits.values():
        for i, value in enumerate(split.labels):
            labels = parse_label_set(value, split.where(i), column, delimiter, columns)
            split.labels[i] = labels
            for label in labels:
                kind = "int" if isinstance(label, int) else "str"
                if first is None:
                    first = (kind, split.where(i), label)
                elif kind != first[0]:
                    raise DataError(f"labels in column {column!r} mix integers and strings ({first[1]}: {first[2]!r},"
                                    f" {split.where(i)}: {label!r}); use label names or ids throughout")
    return first[0] if first else "str"


def label_counts(labels: Sequence[LabelSet]) -> Counter:
    """Rows per label."""
    return Counter(label for row in labels for label in row)


def indicator(labels: Sequence[LabelSet]) -> np.ndarray:
    """(N, L) 0/1 matrix over the labels seen (sorted), for stratification."""
    seen = sorted(label_counts(labels), key=str)
    index = {label: j for j, label in enumerate(seen)}
    out = np.zeros((len(labels), max(len(seen), 1)), dtype=np.int8)
    for i, row in enumerate(labels):
        out[i, [index[label] for label in row]] = 1
    return out


def carve(train: RawSplit, size: int, seed: int, name: str) -> tuple[RawSplit, RawSplit]:
    """Split ``size`` rows off ``train`` keeping each label's share; both parts keep file order."""
    if size < 1 or len(train) - size < 1:
        raise DataError(f"train ({train.origin}) has {len(train)} rows: too few for a {name} split of {size} rows;"
                        " give validation/test files (data.validation_file / data.test_file) or add examples")
    keep, held = split_indices(indicator(train.labels), size, seed)
    origin = f"{train.origin} ({name} split, seed {seed}, iterative stratification)"
    return train.take(keep.tolist()), train.take(held.tolist(), origin)


def multi_hot_feature(num_labels: int) -> Any:
    """The prepared datasets' multi-label column: K floats per row (1.0 where the label applies), the form
    the models' BCE loss and the collators take as it is."""
    import datasets

    return datasets.Sequence(datasets.Value("float32"), length=num_labels)


def multi_hot(ids: Sequence[tuple[int, ...]], num_labels: int) -> list[list[float]]:
    """Rows of label ids as K-float rows."""
    out = []
    for row in ids:
        hot = [0.0] * num_labels
        for i in row:
            hot[i] = 1.0
        out.append(hot)
    return out


def split_indices(y: np.ndarray, size: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Rows kept and ``size`` rows held out, each label's share kept (iterative stratification)."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedShuffleSplit

    split = MultilabelStratifiedShuffleSplit(n_splits=1, test_size=size, random_state=seed)
    keep, held = next(split.split(np.zeros(len(y)), y))
    return np.sort(keep), np.sort(held)


def sample_indices(y: np.ndarray, n: int, seed: int) -> list[int]:
    """Indices (sorted) of a seeded sample of ``n`` rows keeping each label's share."""
    if n >= len(y):
        return list(range(len(y)))
    keep, _ = split_indices(y, len(y) - n, seed)
    return [int(i) for i in keep]


def fold_indices(y: np.ndarray, k: int, fold: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(training rows, validation rows) of fold ``fold`` of ``k``, each label's share kept."""
    from iterstrat.ml_stratifiers import MultilabelStratifiedKFold

    folds = MultilabelStratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    return list(folds.split(np.zeros(len(y)), y))[fold]
