"""`PreparedData`: the three cleaned splits plus what was done to them."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import datasets

SPLITS = ("train", "validation", "test")


@dataclass
class PreparedData:
    """Cleaned train/validation/test with columns "text" (str) and "label" (ClassLabel, or K floats per row
    for multi-label data)."""

    splits: datasets.DatasetDict
    label_names: list[str]
    source: str
    created_splits: list[str]
    """Splits made here by a seeded stratified split of train (for the run manifest)."""
    cleaning: dict[str, dict[str, int]]
    """Per split: rows_in, whitespace_normalised, empty_dropped, duplicates_dropped,
    duplicate_label_conflicts, leakage_found, leakage_removed, rows_out."""
    leakage: dict[str, int]
    """Rows of the later split whose text occurs in the earlier one, before any removal."""
    subsampled: dict[str, dict[str, int]] = field(default_factory=dict)
    """Per subsampled split: rows_before, rows_after (train_fraction, max_*_samples)."""
    notes: list[str] = field(default_factory=list)

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.label_names))

    @property
    def label2id(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.label_names)}

    @property
    def num_labels(self) -> int:
        return len(self.label_names)

    @property
    def multi_label(self) -> bool:
        """Several labels per text: the label column holds K floats (1.0 where a label applies)."""
        return not isinstance(self.splits["train"].features["label"], datasets.ClassLabel)

    def without_test(self) -> "PreparedData":
        """A copy without the test split (a tuning trial must not be able to read it)."""
        import dataclasses

        splits = datasets.DatasetDict({s: self.splits[s] for s in SPLITS if s != "test"})
        return dataclasses.replace(self, splits=splits)

    def split_hash(self, split: str) -> str:
        """sha256 over the split's (label name, text) rows in order; stable across runs (a multi-label row's
        label names are joined by the unit separator)."""
        rows = self.splits[split][:]  # one batched read (iterating a column reads row by row)
        h = hashlib.sha256()
        for text, label in zip(rows["text"], rows["label"]):
            if self.multi_label:
                name = "\x1f".join(self.label_names[i] for i, v in enumerate(label) if v)
                h.update(b"\x1d" + name.encode("utf-8"))
            else:
                h.update(self.label_names[label].encode("utf-8"))
            h.update(b"\x1f")
            h.update(text.encode("utf-8"))
            h.update(b"\x1e")
        return h.hexdigest()

    def class_counts(self, split: str) -> dict[str, int]:
        """Rows per class name in `split`, in class order (multi-label: rows having each label)."""
        labels = self.splits[split][:]["label"]
        if self.multi_label:
            return {name: int(sum(row[i] for row in labels)) for i, name in enumerate(self.label_names)}
        counts = Counter(labels)
        return {name: counts.get(i, 0) for i, name in enumerate(self.label_names)}

    def summary(self) -> dict[str, Any]:
        """JSON-able description for the run manifest."""
        return {
            "source": self.source,
            "label_names": list(self.label_names),
            "multi_label": self.multi_label,
            "rows": {s: len(self.splits[s]) for s in SPLITS},
            "class_counts": {s: self.class_counts(s) for s in SPLITS},
            "created_splits": list(self.created_splits),
            "cleaning": {s: dict(c) for s, c in self.cleaning.items()},
            "leakage": dict(self.leakage),
            "subsampled": {s: dict(c) for s, c in self.subsampled.items()},
            "split_hashes": {s: self.split_hash(s) for s in SPLITS},
            "notes": list(self.notes),
        }
