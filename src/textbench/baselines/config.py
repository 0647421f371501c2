"""Baseline run configs: which classic model, on which data, with which seed, where to."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from textbench.config.loader import apply_overrides, load_dataclass, load_yaml
from textbench.config.schema import OutputConfig
from textbench.data.config import DataConfig
from textbench.errors import ConfigError


def _ngram_range(where: str, name: str, value: list[int]) -> None:
    if len(value) != 2 or not 1 <= value[0] <= value[1]:
        raise ConfigError(f"{where}.{name}: expected [low, high] with 1 <= low <= high, got {value}")


@dataclass
class BaselineConfig:
    """A classic baseline. ``majority`` ignores every other setting."""

    name: Literal["majority", "tfidf"] = "tfidf"  # majority class, or TF-IDF + logistic regression
    # tfidf: word and character (within word boundaries) n-grams, then logistic regression
    word_ngrams: list[int] = field(default_factory=lambda: [1, 2])  # word n-gram range
    char_ngrams: list[int] | None = field(default_factory=lambda: [2, 5])  # null = words only
    max_features: int | None = 200_000  # per vectorizer
    min_df: int = 1  # terms in fewer training texts are dropped (tune_features also tries 2)
    sublinear_tf: bool = True  # 1 + log(tf)
    lowercase: bool = True  # lowercase before counting
    # inverse regularisation strengths tried; the best on validation macro-F1 is kept
    C: list[float] = field(default_factory=lambda: [0.5, 2.0, 8.0, 32.0])  # inverse regularisation strengths tried on validation
    # also choose the features on validation: words only or words + characters, and min_df 1 or 2
    # (around the settings above); false keeps exactly the settings above
    tune_features: bool = True  # also try words only and min_df 2, on validation
    class_weight: Literal["balanced"] | None = None  # logistic-regression class weights
    solver: Literal["saga", "newton-cg", "lbfgs"] = "saga"  # saga: fast on sparse TF-IDF features
    max_iter: int = 2000  # solver iterations

    def validate(self, where: str) -> None:
        _ngram_range(where, "word_ngrams", self.word_ngrams)
        if self.char_ngrams is not None:
            _ngram_range(where, "char_ngrams", self.char_ngrams)
        if not self.C or any(c <= 0 for c in self.C):
            raise ConfigError(f"{where}.C: expected a non-empty list of numbers > 0, got {self.C}")
        if self.max_features is not None and self.max_features < 1:
            raise ConfigError(f"{where}.max_features: must be >= 1 or null, got {self.max_features}")
        if self.min_df < 1:
            raise ConfigError(f"{where}.min_df: must be >= 1, got {self.min_df}")
        if self.max_iter < 1:
            raise ConfigError(f"{where}.max_iter: must be >= 1, got {self.max_iter}")


@dataclass
class BaselineRunConfig:
    """A whole baseline run; the run folder matches a trained run's files."""

    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    data: DataConfig = field(default_factory=DataConfig)
    seed: int = 42
    output: OutputConfig = field(default_factory=OutputConfig)

    def validate(self, where: str) -> None:
        from textbench.config.schema import check_seed

        check_seed(f"{where}.seed" if where != "config" else "seed", self.seed)


def load_baseline_config(path: str | Path, overrides: list[str] | None = None) -> BaselineRunConfig:
    """Read a baseline run config YAML strictly (unknown keys and wrong types are errors)."""
    raw: dict[str, Any] = apply_overrides(load_yaml(path), overrides or [])
    cfg = load_dataclass(BaselineRunConfig, raw, path, overrides)
    if cfg.output.name is None:
        cfg.output.name = f"{cfg.baseline.name}"
    return cfg
