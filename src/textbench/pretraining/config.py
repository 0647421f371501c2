"""`textbench pretrain` configuration: data, tokenizer, architecture, MLM settings, training."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textbench.config.loader import apply_overrides, load_dataclass, load_yaml
from textbench.config.schema import ModelConfig, OutputConfig, TrainConfig
from textbench.data.config import DataConfig
from textbench.errors import ConfigError
from textbench.tokenization.config import TokenizerConfig


@dataclass
class MLMConfig:
    """What to pretrain on and how to mask."""

    use_dataset_texts: bool = True  # the dataset's training-split texts (never validation/test)
    extra_text_files: list[str] = field(default_factory=list)  # plain text, one text per line
    mlm_probability: float = 0.15  # share of tokens selected for prediction
    mask_replace_prob: float = 0.8  # of those: replaced by [MASK]
    random_replace_prob: float = 0.1  # of those: replaced by a random token (the rest stay unchanged)
    heldout_fraction: float = 0.05  # texts held out for perplexity

    def validate(self, where: str) -> None:
        if not 0 < self.mlm_probability < 1:
            raise ConfigError(f"{where}.mlm_probability: must be in (0, 1), got {self.mlm_probability}")
        for k in ("mask_replace_prob", "random_replace_prob"):
            v = getattr(self, k)
            if not 0 <= v <= 1:
                raise ConfigError(f"{where}.{k}: must be in [0, 1], got {v}")
        if self.mask_replace_prob + self.random_replace_prob > 1:
            raise ConfigError(f"{where}: mask_replace_prob + random_replace_prob must be <= 1")
        if not 0 < self.heldout_fraction < 0.5:
            raise ConfigError(f"{where}.heldout_fraction: must be in (0, 0.5), got {self.heldout_fraction}")
        if not self.use_dataset_texts and not self.extra_text_files:
            raise ConfigError(f"{where}: no texts to pretrain on (use_dataset_texts is false and no extra_text_files)")


def _pretrain_train_defaults() -> TrainConfig:
    return TrainConfig(epochs=10, learning_rate=5e-4, metric_for_best_model="loss", batch_size=64)


def _pretrain_tokenizer_defaults() -> TokenizerConfig:
    return TokenizerConfig(train="wordpiece")


def _pretrain_model_defaults() -> ModelConfig:
    return ModelConfig(kind="scratch")


@dataclass
class PretrainConfig:
    """A whole pretraining run."""

    data: DataConfig = field(default_factory=DataConfig)
    tokenizer: TokenizerConfig = field(default_factory=_pretrain_tokenizer_defaults)
    model: ModelConfig = field(default_factory=_pretrain_model_defaults)
    mlm: MLMConfig = field(default_factory=MLMConfig)
    train: TrainConfig = field(default_factory=_pretrain_train_defaults)
    output: OutputConfig = field(default_factory=OutputConfig)

    def validate(self, where: str) -> None:
        pre = "" if where == "config" else where + "."
        if self.model.kind != "scratch":
            raise ConfigError(f"{pre}model.kind: pretraining builds a from-scratch model; set kind: scratch")
        if self.model.from_pretraining_run:
            raise ConfigError(f"{pre}model.from_pretraining_run: not used by pretrain")
        if self.train.metric_for_best_model not in ("loss",):
            raise ConfigError(f"{pre}train.metric_for_best_model: pretraining selects by held-out 'loss'")


def load_pretrain_config(path: str | Path | None = None, overrides: list[str] | None = None) -> PretrainConfig:
    raw: dict[str, Any] = load_yaml(path) if path is not None else {}
    raw = apply_overrides(raw, overrides or [])
    # sections left out keep the pretraining defaults; given ones are merged over them
    defaults = {
        "tokenizer": {"train": "wordpiece"},
        "model": {"kind": "scratch"},
        "train": {"epochs": 10, "learning_rate": 5e-4, "metric_for_best_model": "loss", "batch_size": 64},
    }
    for section, values in defaults.items():
        given = raw.get(section)
        if given is None or isinstance(given, dict):
            merged = dict(values)
            merged.update(given or {})
            if section == "tokenizer" and merged.get("name_or_path"):
                merged.pop("train", None) if "train" not in (given or {}) else None
            raw[section] = merged
    cfg = load_dataclass(PretrainConfig, raw, path, overrides)
    if cfg.output.name is None and path is not None:
        cfg.output.name = Path(path).stem
    return cfg
