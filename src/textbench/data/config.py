"""`DataConfig`: where the labelled texts come from and how they are cleaned and split."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from textbench.errors import ConfigError

DataFormat = Literal["auto", "csv", "tsv", "jsonl", "json", "parquet", "semicolon"]


@dataclass
class DataConfig:
    """Settings of the `data:` section; every field has a default."""

    source: str = "builtin:tweets-sentiment"
    """`builtin:NAME`, a file, a folder of split files, or `hf:ID_OR_LOCAL_PATH`."""
    format: DataFormat = "auto"
    """File format; "auto" picks by extension (.txt -> semicolon `text;label` lines)."""
    train_file: str | None = None
    """Explicit train file; overrides folder discovery (and a builtin source)."""
    validation_file: str | None = None
    """Explicit validation file; overrides folder discovery."""
    test_file: str | None = None
    """Explicit test file; overrides folder discovery."""
    hf_config_name: str | None = None
    """Config (subset) name passed to `datasets.load_dataset` for `hf:` sources."""
    hf_revision: str | None = None
    """Revision (branch, tag, commit) for `hf:` sources."""
    text_column: str = "text"
    """Column holding the input text (ignored by the semicolon format)."""
    label_column: str = "label"
    """Column holding the class label, as integer id or name (ignored by semicolon)."""
    label_names: list[str] | None = None
    """Explicit class order (index = id); default: see `textbench.data.labels`."""
    multi_label: bool = False
    """Each text may have several labels (or none): a list per row (JSON list or a `label_delimiter`-separated
    string) in `label_column`, or several 0/1 columns (`label_columns`); trained with one sigmoid per label."""
    label_delimiter: str = ","
    """With multi_label: separator of the names in a label cell (`sport|politics`); a JSON list cell is read
    as a list whatever the delimiter."""
    label_columns: list[str] | None = None
    """Several 0/1 columns, one per label (1: the label applies); the labels are these column names, in this
    order. Implies multi_label; replaces label_column."""
    label_case: Literal["refuse", "fold", "keep"] = "refuse"
    """Names differing only in case or Unicode form (`pos`, `Pos`, `POS`): refuse them (an error listing
    them), fold them into one class (the most frequent spelling), or keep them as separate classes."""
    validation_size: float = 0.1
    """Fraction of all rows carved from train for validation when no file gives it."""
    test_size: float = 0.1
    """Fraction of all rows carved from train for test when no file gives it."""
    split_seed: int = 42
    """Seed of the stratified splits and subsamples."""
    normalize_whitespace: bool = True
    """Collapse runs of whitespace (spaces, tabs, newlines) to one space and strip."""
    drop_empty: bool = True
    """Drop rows whose text is empty (after normalisation)."""
    drop_duplicates: bool = True
    """Drop exact duplicate texts within a split, keeping the first."""
    remove_leakage: bool = False
    """Remove from validation texts seen in train, and from test texts seen in train or validation."""
    max_train_samples: int | None = None
    """Cap on training rows (stratified, seeded subsample)."""
    train_fraction: float = 1.0
    """Fraction of training rows kept (stratified, seeded), for data-efficiency curves."""
    max_eval_samples: int | None = None
    """Cap on validation and on test rows each (stratified, seeded), for quick runs."""
    encoding: str = "utf-8"
    """Text encoding of the data files (e.g. "latin-1")."""
    cv_folds: int | None = None
    """Cross-validation (set by a study's cv:): stratified folds over train + validation; test untouched."""
    cv_fold: int | None = None
    """With cv_folds: this run's fold (0-based) is its validation split, the other folds its training split."""
    train_on_validation: bool = False
    """Add the validation rows to the training split (a final model, after a study chose its
    settings): validation scores then measure seen rows; pair with train.select_best_epoch: false."""

    def validate(self) -> None:
        """Raise ConfigError for values out of range."""
        if self.label_columns is not None:
            self._validate_label_columns()
        if self.multi_label and not self.label_delimiter:
            raise ConfigError("data.label_delimiter must not be empty (it separates the labels of a row); in YAML"
                              ' quote it: label_delimiter: "|" (a bare | starts a block of text)')
        if self.label_columns is None and self.text_column == self.label_column:
            raise ConfigError(f"data.text_column and data.label_column are both {self.text_column!r}; the label"
                              " must be its own column")
        for key in ("validation_size", "test_size"):
            value = getattr(self, key)
            if not 0.0 <= value < 1.0:
                raise ConfigError(f"data.{key} must be in [0, 1), got {value}")
        if self.validation_size + self.test_size >= 1.0:
            raise ConfigError(
                "data.validation_size + data.test_size must be below 1, got "
                f"{self.validation_size} + {self.test_size}"
            )
        if not 0.0 < self.train_fraction <= 1.0:
            raise ConfigError(f"data.train_fraction must be in (0, 1], got {self.train_fraction}")
        for key in ("max_train_samples", "max_eval_samples"):
            value = getattr(self, key)
            if value is not None and value < 1:
                raise ConfigError(f"data.{key} must be at least 1 or null, got {value}")
        if self.label_names is not None:
            if len(set(self.label_names)) != len(self.label_names):
                raise ConfigError(f"data.label_names has repeated names: {self.label_names}")
            if len(self.label_names) < 2:
                raise ConfigError("data.label_names needs at least two classes")
        if self.cv_folds is not None and self.cv_folds < 2:
            raise ConfigError(f"data.cv_folds must be at least 2 or null, got {self.cv_folds}")
        if self.cv_fold is not None and (self.cv_folds is None or not 0 <= self.cv_fold < self.cv_folds):
            raise ConfigError(f"data.cv_fold must be in [0, data.cv_folds) with data.cv_folds set, got"
                              f" {self.cv_fold} (cv_folds {self.cv_folds})")
        if self.cv_fold is not None and self.train_on_validation:
            raise ConfigError("data.cv_fold and data.train_on_validation: a fold's validation rows must stay unseen")
        if not self.text_column or not self.label_column:
            raise ConfigError("data.text_column and data.label_column must not be empty")
        try:
            "".encode(self.encoding)
        except LookupError:
            raise ConfigError(f"data.encoding: unknown encoding {self.encoding!r}") from None

    def _validate_label_columns(self) -> None:
        columns = self.label_columns or []
        if len(columns) < 2:
            raise ConfigError(f"data.label_columns needs at least two columns (one per label), got {columns}")
        if len(set(columns)) != len(columns):
            raise ConfigError(f"data.label_columns has repeated columns: {columns}")
        if self.text_column in columns:
            raise ConfigError(f"data.label_columns includes the text column {self.text_column!r}")
        if self.format == "semicolon":
            raise ConfigError("data.label_columns needs a file with a header (CSV, TSV, JSON, JSONL, Parquet),"
                              " not the semicolon format")
        if self.label_names is not None:
            raise ConfigError("data.label_columns names the labels already; leave data.label_names out")

    @property
    def is_multi_label(self) -> bool:
        """multi_label, or label_columns given (which imply it)."""
        return self.multi_label or self.label_columns is not None

    @property
    def label_keys(self) -> str | list[str]:
        """What the readers read as the label: `label_column`, or the list `label_columns`."""
        return list(self.label_columns) if self.label_columns is not None else self.label_column
