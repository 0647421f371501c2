"""`TokenizerConfig`: use a pretrained tokenizer or train a new one on the training texts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from textbench.errors import ConfigError


@dataclass
class TokenizerConfig:
    """Settings of the `tokenizer:` section; every field has a default."""

    name_or_path: str | None = None
    """Pretrained tokenizer by hub id or local path; None = the model's own."""
    train: Literal["wordpiece", "bpe"] | None = None
    """Train a new tokenizer of this kind on the training texts (None = do not train)."""
    vocab_size: int = 8000
    """Target vocabulary size of a trained tokenizer (special tokens included)."""
    min_frequency: int = 2
    """Minimum pair/word frequency for a merge or piece to enter the vocabulary."""
    lowercase: bool = True
    """Lowercase texts in the trained tokenizer's normaliser."""
    strip_accents: bool = True
    """Strip accents in the trained tokenizer's normaliser."""
    extra_files: list[str] = field(default_factory=list)
    """Extra plain-text files (one text per line) added to the tokenizer's training texts."""
    max_length: int = 128
    """Truncation length; saved as the tokenizer's model_max_length."""
    long_text: Literal["truncate", "head_tail", "chunk"] = "truncate"
    """Texts longer than max_length: cut (truncate), keep their first and last tokens (head_tail),
    or cut into overlapping windows, each classified, aggregated per text (chunk)."""
    head_fraction: float = 0.25
    """head_tail: the share of max_length taken from the start (the rest from the end)."""
    chunk_stride: int | None = None
    """chunk: tokens two neighbouring windows share (None = a quarter of max_length)."""
    chunk_aggregate: Literal["mean", "max"] = "mean"
    """chunk: a text's logits are the mean (or per class the max) of its windows' logits."""

    def validate(self) -> None:
        """Raise ConfigError for values out of range or conflicting settings."""
        if self.train is not None and self.name_or_path is not None:
            raise ConfigError(
                "tokenizer.train and tokenizer.name_or_path are both set; set only one"
            )
        if self.train is not None and self.train not in ("wordpiece", "bpe"):
            raise ConfigError(f"tokenizer.train must be wordpiece or bpe, got {self.train!r}")
        if self.vocab_size < 100:
            raise ConfigError(f"tokenizer.vocab_size must be at least 100, got {self.vocab_size}")
        if self.min_frequency < 1:
            raise ConfigError(f"tokenizer.min_frequency must be at least 1, got {self.min_frequency}")
        if self.max_length < 2:
            raise ConfigError(f"tokenizer.max_length must be at least 2, got {self.max_length}")
        if not 0 < self.head_fraction < 1:
            raise ConfigError(f"tokenizer.head_fraction must be in (0, 1), got {self.head_fraction}")
        if self.chunk_stride is not None and not 0 <= self.chunk_stride < self.max_length // 2:
            raise ConfigError(f"tokenizer.chunk_stride must be in [0, max_length/2) = [0, {self.max_length // 2}),"
                              f" got {self.chunk_stride}")


# how texts are cut into model inputs, not what the vocabulary is: they never change a trained tokenizer
CUTTING_KEYS = ("long_text", "head_fraction", "chunk_stride", "chunk_aggregate")
