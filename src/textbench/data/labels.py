"""Label checks and class order.

Class order (label id = index), first rule that applies:
1. `data.label_names` when given: string labels must be among them, integer
   labels index into them.
2. Names declared by the source (a hub ClassLabel feature, the builtin's fixed
   order): integer labels keep their ids, string labels take the declared order.
3. Integer labels: the sorted distinct ids seen in train, named by their
   decimal string and renumbered 0..K-1 (ids 0..K-1 stay as they are).
4. String labels: the sorted distinct names seen in train.
Validation/test labels that never occur in train are an error.

Multi-label rows hold a tuple of labels (see `textbench.data.multilabel`); the rules apply to each label.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter

from textbench.data.raw import RawSplit
from textbench.errors import DataError

_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?$")


def normalize_label(value: object, where: str, column: str) -> int | str:
    """An int id or a str name; DataError for empty, NaN, non-integer numbers and other types."""
    if isinstance(value, bool):
        raise DataError(f"{where}: label {value} in column {column!r} is a boolean; use class names or ids")
    if value is None or (isinstance(value, float) and math.isnan(value)):
        raise DataError(f"{where}: label in column {column!r} is missing (NaN/null); every row needs a label")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise DataError(
            f"{where}: label {value} in column {column!r} is not an integer; "
            "labels must be class names or integer ids (bin continuous scores first)"
        )
    if isinstance(value, str):
        s = value.strip()
        if not s:
            raise DataError(f"{where}: label in column {column!r} is empty; every row needs a label")
        if s.lower() in ("nan", "null", "none"):
            raise DataError(f"{where}: label in column {column!r} is {s!r}; every row needs a label")
        if _INT.match(s):
            return int(s)
        if _FLOAT.match(s):
            if float(s).is_integer():
                return int(float(s))
            raise DataError(
                f"{where}: label {s!r} in column {column!r} is not an integer; "
                "labels must be class names or integer ids (bin continuous scores first)"
            )
        return s
    if isinstance(value, (list, tuple)):
        raise DataError(f"{where}: label in column {column!r} is a list ({list(value)[:5]!r}); several labels per"
                        " text need data.multi_label: true")
    raise DataError(f"{where}: label in column {column!r} is a {type(value).__name__}, expected a name or id")


def normalize_labels(splits: dict[str, RawSplit], column: str) -> str:
    """Normalise labels in place; return "int" or "str". Mixed kinds are a DataError."""
    first: tuple[str, str, object] | None = None  # (kind, where, value)
    for split in splits.values():
        for i, value in enumerate(split.labels):
            label = normalize_label(value, split.where(i), column)
            split.labels[i] = label
            kind = "int" if isinstance(label, int) else "str"
            if first is None:
                first = (kind, split.where(i), label)
            elif kind != first[0]:
                raise DataError(
                    f"labels in column {column!r} mix integers and strings ({first[1]}: {first[2]!r}, "
                    f"{split.where(i)}: {label!r}); use class names or integer ids throughout"
                )
    return first[0] if first else "str"


def label_items(label: object) -> tuple:
    """A row's labels as a tuple: the tuple of a multi-label row, or the one label of a single-label row."""
    return label if isinstance(label, tuple) else (label,)


def labels_seen(split: RawSplit) -> set:
    """Distinct labels of a split (each label of a multi-label row counts)."""
    return {item for label in split.labels for item in label_items(label)}


def _fold(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold()


def label_variants(splits: dict[str, RawSplit], column: str, case: str) -> list[str]:
    """Check string labels that differ only in case or Unicode form (``pos``/``Pos``/``POS``).

    ``case="refuse"``: DataError listing them; ``"fold"``: relabel each to its most frequent
    spelling (a note says so); ``"keep"``: separate classes, as written. Returns notes.
    """
    counts = Counter(item for split in splits.values() for label in split.labels for item in label_items(label)
                     if isinstance(item, str))
    groups: dict[str, list[str]] = {}
    for name in counts:
        groups.setdefault(_fold(name), []).append(name)
    clashes = [sorted(g, key=lambda n: (-counts[n], n)) for g in groups.values() if len(g) > 1]
    if not clashes or case == "keep":
        return []
    listing = "; ".join(" / ".join(repr(n) for n in g) for g in clashes[:5])
    if case == "refuse":
        raise DataError(f"labels in column {column!r} differ only in case or Unicode form ({listing}) and would be"
                        " separate classes; fix the data, set data.label_case: fold to merge them, or"
                        " data.label_case: keep to keep them apart")
    canonical = {name: g[0] for g in clashes for name in g}

    def relabel(label: object) -> object:
        if isinstance(label, tuple):
            return tuple(sorted({canonical.get(item, item) for item in label}))
        return canonical.get(label, label) if isinstance(label, str) else label

    for split in splits.values():
        split.labels[:] = [relabel(label) for label in split.labels]
    return [f"labels differing only in case or Unicode form merged (data.label_case: fold): {listing}"
            f" -> {', '.join(repr(g[0]) for g in clashes[:5])}"]


def class_order(
    train: RawSplit, kind: str, configured: list[str] | None, declared: list[str] | None
) -> tuple[list[str], dict[object, int]]:
    """Class names (index = id) and the mapping raw label -> id."""
    names = configured or declared
    if names is not None:
        if kind == "int":
            return list(names), {i: i for i in range(len(names))}
        return list(names), {n: i for i, n in enumerate(names)}
    seen = sorted(labels_seen(train))  # type: ignore[type-var]
    return [str(v) for v in seen], {v: i for i, v in enumerate(seen)}


def encode_labels(
    split: RawSplit,
    name: str,
    mapping: dict[object, int],
    names: list[str],
    names_from: str | None,
    train_ids: set[int] | None,
) -> list:
    """Label ids of one split (a sorted tuple of ids per multi-label row).

    `names_from` says where a fixed class list came from ("data.label_names" or
    the source); `train_ids` (for validation/test) are the ids present in train.
    """
    ids: list = []
    for i, row in enumerate(split.labels):
        row_ids = tuple(sorted(_label_id(split, i, label, name, mapping, names, names_from, train_ids)
                               for label in label_items(row)))
        ids.append(row_ids if isinstance(row, tuple) else row_ids[0])
    return ids


def _label_id(split: RawSplit, i: int, label: object, name: str, mapping: dict[object, int], names: list[str],
              names_from: str | None, train_ids: set[int] | None) -> int:
    """The id of one label of row ``i``; DataError naming the row when it has none."""
    lid = mapping.get(label)
    if lid is None and names_from is not None:
        what = f"ids 0..{len(names) - 1}" if isinstance(label, int) else "the names"
        raise DataError(
            f"{split.where(i)}: label {label!r} is not among {what} of {names_from} "
            f"({', '.join(names)}); fix the row or set data.label_names"
        )
    if lid is None or (train_ids is not None and lid not in train_ids):
        shown = label if lid is None else names[lid]
        raise DataError(
            f"{split.where(i)}: label {shown!r} in {name} never occurs in train; "
            "every class needs training examples (check the split files or data.label_names)"
        )
    return lid
