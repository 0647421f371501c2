"""Seeded stratified splits (sklearn) for missing validation/test, and stratified subsamples."""

from __future__ import annotations

from collections import Counter

import numpy as np

from textbench.data import multilabel
from textbench.data.raw import RawSplit
from textbench.errors import ConfigError, DataError

_HINT = "give validation/test files (data.validation_file / data.test_file) or add examples"


def check_stratifiable(train: RawSplit, needed: str) -> None:
    """Stratified splitting needs at least two rows of every class in train."""
    counts = Counter(train.labels)
    rare = sorted((c, str(label)) for label, c in counts.items() if c < 2)
    if rare:
        c, label = rare[0]
        raise DataError(
            f"class {label!r} has only {c} example in train ({train.origin}); a stratified {needed} "
            f"split needs at least 2 per class: {_HINT}"
        )


def _carve(train: RawSplit, size: int, seed: int, name: str, spare: int = 1) -> tuple[RawSplit, RawSplit]:
    """Split about `size` rows off `train`, stratified by label, with a row of every class that keeps
    more than `spare` rows in train (rare classes are not left out); both parts keep file order."""
    from sklearn.model_selection import train_test_split

    n = len(train)
    classes = len(set(train.labels))
    if size < classes or n - size < classes:
        raise DataError(
            f"train ({train.origin}) has {n} rows and {classes} classes: too few for a stratified "
            f"{name} split of {size} rows (each side needs one row per class); {_HINT}"
        )
    idx = np.arange(n)
    try:
        keep, held = train_test_split(idx, test_size=size, random_state=seed, stratify=train.labels)
    except ValueError as e:
        raise DataError(f"cannot make a stratified {name} split of train ({train.origin}): {e}; {_HINT}") from None
    keep, held = _give_each_class_a_row(keep, held, train.labels, spare, seed)
    origin = f"{train.origin} ({name} split, seed {seed})"
    return train.take(sorted(keep.tolist())), train.take(sorted(held.tolist()), origin)


def _give_each_class_a_row(keep: np.ndarray, held: np.ndarray, labels: list, spare: int,
                           seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Move one row of each class that the stratified split left out of ``held`` into it, where the
    class keeps more than ``spare`` rows (a later split still needs its share)."""
    rng = np.random.default_rng(seed)
    keep, held = keep.tolist(), held.tolist()
    in_held = {labels[i] for i in held}
    for label in sorted({labels[i] for i in keep} - in_held, key=str):
        rows = [i for i in keep if labels[i] == label]
        if len(rows) > spare:
            moved = int(rng.choice(rows))
            keep.remove(moved)
            held.append(moved)
    return np.array(keep), np.array(held)


def create_missing_splits(
    splits: dict[str, RawSplit], *, validation_size: float, test_size: float, seed: int, multi_label: bool = False
) -> tuple[dict[str, RawSplit], list[str]]:
    """Carve validation and/or test from train where missing; return splits and created names.

    Sizes are fractions of the train rows before carving: test first, then validation. Multi-label rows
    are split by iterative stratification.
    """
    missing = [s for s in ("validation", "test") if s not in splits]
    if not missing:
        return splits, []
    fractions = {"validation": validation_size, "test": test_size}
    for name in missing:
        if fractions[name] <= 0:
            raise ConfigError(
                f"no {name} split was given, so data.{name}_size must be above 0 to create one"
            )
    out = dict(splits)
    train = out["train"]
    if not multi_label:
        check_stratifiable(train, " and ".join(missing))
    total = len(train)
    for name in reversed(missing):  # test before validation, which then still needs a row per class
        size = max(1, int(round(fractions[name] * total)))
        spare = 2 if name == "test" and "validation" in missing else 1
        if multi_label:
            train, out[name] = multilabel.carve(train, size, seed, name)
        else:
            train, out[name] = _carve(train, size, seed, name, spare)
    out["train"] = train
    return out, missing


def stratified_indices(labels: list[int], n: int, seed: int) -> list[int]:
    """Indices of a seeded sample of `n` rows keeping class shares (largest remainder).

    Every class keeps at least one row when `n` allows; indices come back sorted.
    """
    if n >= len(labels):
        return list(range(len(labels)))
    rng = np.random.default_rng(seed)
    by_class: dict[int, list[int]] = {}
    for i, y in enumerate(labels):
        by_class.setdefault(y, []).append(i)
    classes = sorted(by_class)
    exact = {c: n * len(by_class[c]) / len(labels) for c in classes}
    take = {c: int(exact[c]) for c in classes}
    if n >= len(classes):
        for c in classes:
            take[c] = max(take[c], 1)
    order = sorted(classes, key=lambda c: (-(exact[c] - int(exact[c])), c))
    while sum(take.values()) < n:
        for c in order:
            if sum(take.values()) < n and take[c] < len(by_class[c]):
                take[c] += 1
    while sum(take.values()) > n:
        c = max(classes, key=lambda c: (take[c], -c))
        take[c] -= 1
    chosen: list[int] = []
    for c in classes:
        chosen.extend(rng.choice(by_class[c], size=take[c], replace=False).tolist())
    return sorted(chosen)


def subsample(split: RawSplit, labels: list, n: int | None, seed: int) -> tuple[RawSplit, list]:
    """A stratified, seeded subsample of at most `n` rows (None = all); label ids, or tuples of ids
    for multi-label rows (iterative stratification)."""
    if n is None or n >= len(split):
        return split, labels
    if labels and isinstance(labels[0], tuple):
        idx = multilabel.sample_indices(multilabel.indicator(labels), n, seed)
    else:
        idx = stratified_indices(labels, n, seed)
    return split.take(idx), [labels[i] for i in idx]
