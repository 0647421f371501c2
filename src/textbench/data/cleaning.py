"""Cleaning steps, each counted: whitespace, empty texts, duplicates, cross-split leakage.

Leakage is an exact match of (cleaned) texts across splits, case-sensitive.
Removal (data.remove_leakage) always takes rows off the evaluation side:
validation loses texts that occur in train; test loses texts that occur in
train or in validation, so the final test set is disjoint from everything the
model was trained or selected on.
"""

from __future__ import annotations

import re

from textbench.data.raw import RawSplit

_WS = re.compile(r"\s+")
COUNT_KEYS = (
    "rows_in",
    "whitespace_normalised",
    "empty_dropped",
    "duplicates_dropped",
    "duplicate_label_conflicts",
    "leakage_found",
    "leakage_removed",
    "rows_out",
)


def new_counts(rows_in: int) -> dict[str, int]:
    """A zeroed cleaning record for a split of `rows_in` rows."""
    counts = dict.fromkeys(COUNT_KEYS, 0)
    counts["rows_in"] = counts["rows_out"] = rows_in
    return counts


def normalize_whitespace(text: str) -> str:
    """Collapse runs of whitespace (spaces, tabs, newlines, NBSP) to one space; strip ends."""
    return _WS.sub(" ", text).strip()


def clean_split(
    split: RawSplit, *, whitespace: bool, drop_empty: bool, drop_duplicates: bool
) -> tuple[RawSplit, dict[str, int]]:
    """Apply the within-split steps in order; return the cleaned split and its counts.

    Duplicates keep the first occurrence; a later copy with a different label
    is still dropped and also counted in `duplicate_label_conflicts`.
    """
    counts = new_counts(len(split))
    texts = list(split.texts)
    if whitespace:
        for i, t in enumerate(texts):
            n = normalize_whitespace(t)
            if n != t:
                counts["whitespace_normalised"] += 1
                texts[i] = n
    keep: list[int] = []
    first_label: dict[str, object] = {}
    for i, t in enumerate(texts):
        if drop_empty and not t.strip():
            counts["empty_dropped"] += 1
            continue
        if drop_duplicates:
            if t in first_label:
                counts["duplicates_dropped"] += 1
                if first_label[t] != split.labels[i]:
                    counts["duplicate_label_conflicts"] += 1
                continue
            first_label[t] = split.labels[i]
        keep.append(i)
    cleaned = RawSplit(
        texts=[texts[i] for i in keep],
        labels=[split.labels[i] for i in keep],
        rows=[split.rows[i] for i in keep],
        origin=split.origin,
        row_kind=split.row_kind,
    )
    counts["rows_out"] = len(cleaned)
    return cleaned, counts


def find_leakage(splits: dict[str, RawSplit]) -> dict[str, int]:
    """Rows of the later split whose text also occurs in the earlier one, per pair."""
    sets = {name: set(s.texts) for name, s in splits.items()}
    pairs = [("validation", "train"), ("test", "train"), ("test", "validation")]
    return {
        f"{a}-{b}": sum(t in sets[b] for t in splits[a].texts)
        for a, b in pairs
        if a in splits and b in splits
    }


def remove_leakage(
    splits: dict[str, RawSplit], counts: dict[str, dict[str, int]], *, remove: bool
) -> dict[str, RawSplit]:
    """Record leakage_found per eval split; when `remove`, drop those rows (see module doc)."""
    out = dict(splits)
    seen = set(splits["train"].texts)
    for name in ("validation", "test"):
        split = out[name]
        leaked = [i for i, t in enumerate(split.texts) if t in seen]
        counts[name]["leakage_found"] = len(leaked)
        if remove and leaked:
            drop = set(leaked)
            out[name] = split.take([i for i in range(len(split)) if i not in drop])
            counts[name]["leakage_removed"] = len(leaked)
        counts[name]["rows_out"] = len(out[name])
        seen |= set(out[name].texts)
    return out
