"""In-flight rows of one split: texts, labels and where each row came from."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class RawSplit:
    """Rows of one split before they become a `datasets.Dataset`.

    `rows[i]` is the 1-based line (or record) number of row i in `origin`, kept
    through cleaning and splitting so that errors can name the offending row.
    """

    texts: list[str]
    labels: list[object]
    rows: list[int]
    origin: str
    row_kind: str = "line"

    def __len__(self) -> int:
        return len(self.texts)

    def where(self, i: int) -> str:
        """'FILE line N' for row i, for error messages."""
        return f"{self.origin} {self.row_kind} {self.rows[i]}"

    def take(self, indices: list[int], origin: str | None = None) -> RawSplit:
        """A new split holding the given rows, in the given order."""
        return RawSplit(
            texts=[self.texts[i] for i in indices],
            labels=[self.labels[i] for i in indices],
            rows=[self.rows[i] for i in indices],
            origin=origin or self.origin,
            row_kind=self.row_kind,
        )

    def concat(self, other: RawSplit) -> RawSplit:
        """This split's rows, then ``other``'s (each row keeps its own number; the origin names both)."""
        return RawSplit(texts=self.texts + other.texts, labels=self.labels + other.labels,
                        rows=self.rows + other.rows, origin=f"{self.origin} + {other.origin}",
                        row_kind=self.row_kind)


@dataclass
class RawData:
    """What a source yields: some of train/validation/test, plus declared class names."""

    splits: dict[str, RawSplit]
    source: str
    label_names: list[str] | None = None
    """Class order declared by the source (hub ClassLabel, builtin metadata), if any."""
    notes: list[str] = field(default_factory=list)
