"""Run configuration sections: data, tokenizer, model, method, train, eval, output.

Each section is a dataclass; ``load_run_config`` reads a YAML file strictly (unknown
key or wrong type = error naming the file and the key). Model architecture settings
for from-scratch models live in ``model.architecture`` and are checked against
``TextbenchConfig``; they are kept apart from these run settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from textbench.config.loader import apply_overrides, load_dataclass, load_yaml
from textbench.data.config import DataConfig
from textbench.errors import ConfigError
from textbench.methods.config import MethodConfig
from textbench.tokenization.config import TokenizerConfig

__all__ = ["DataConfig", "EvalConfig", "MethodConfig", "ModelConfig", "OutputConfig", "RunConfig", "TokenizerConfig",
           "TrainConfig", "load_run_config"]


def _positive(where: str, name: str, value: float | int | None, *, allow_zero: bool = False) -> None:
    if value is None:
        return
    if value < 0 or (value == 0 and not allow_zero):
        bound = ">= 0" if allow_zero else "> 0"
        raise ConfigError(f"{where}.{name}: must be {bound}, got {value}")


@dataclass
class ModelConfig:
    """Which model to train: a pretrained checkpoint or a from-scratch textbench model."""

    kind: Literal["pretrained", "scratch"] = "pretrained"  # a pretrained checkpoint or a from-scratch model
    # pretrained: hub id, local folder, or builtin:minilm-l6 / builtin:smollm2-135m
    name_or_path: str = "builtin:minilm-l6"  # pretrained: hub id, local folder, builtin:minilm-l6 or builtin:smollm2-135m
    revision: str | None = None  # hub revision (branch, tag, commit)
    trust_remote_code: bool = False  # off unless the user turns it on for this model
    # scratch: TextbenchConfig settings (hidden_size, num_hidden_layers, attention_type, ...)
    architecture: dict[str, Any] = field(default_factory=dict)  # scratch: TextbenchConfig settings (hidden_size, num_hidden_layers, attention_type, ...)
    # scratch: start from a `textbench pretrain` run folder (takes its architecture and tokenizer)
    from_pretraining_run: str | None = None  # scratch: start from a `textbench pretrain` run folder

    def validate(self, where: str) -> None:
        if self.kind == "pretrained" and self.architecture:
            raise ConfigError(
                f"{where}.architecture: only used with model.kind: scratch (got kind: pretrained)"
            )
        if self.kind == "pretrained" and self.from_pretraining_run:
            raise ConfigError(f"{where}.from_pretraining_run: only used with model.kind: scratch")
        if not self.name_or_path and self.kind == "pretrained":
            raise ConfigError(f"{where}.name_or_path: empty; name a hub id, a folder or builtin:minilm-l6")


@dataclass
class TrainConfig:
    """One training path for every run (built on transformers.Trainer)."""

    epochs: float = 3.0  # passes over the training split
    max_steps: int | None = None  # stop after this many optimiser steps (overrides epochs)
    batch_size: int = 32  # per process
    eval_batch_size: int = 64  # validation, test and prediction batches
    learning_rate: float = 5e-5  # peak, after warmup
    weight_decay: float = 0.01  # AdamW
    warmup_ratio: float = 0.06  # share of steps warming the learning rate up
    scheduler: Literal["linear", "cosine", "constant", "constant_with_warmup"] = "linear"  # learning-rate schedule
    max_grad_norm: float = 1.0  # gradient clipping
    gradient_accumulation_steps: int = 1  # batches per optimiser step
    precision: Literal["auto", "fp32", "bf16"] = "auto"  # auto: bf16 on GPUs that support it
    eval_strategy: Literal["epoch", "steps"] = "epoch"  # when to evaluate (and checkpoint)
    eval_steps: int | None = None  # with eval_strategy: steps
    logging_steps: int = 10  # steps between training-loss records
    metric_for_best_model: str = "macro_f1"  # picks the best epoch (validation) and a search's best trial
    early_stopping_patience: int | None = None  # evaluations without improvement before stopping
    select_best_epoch: bool = True  # end with the best evaluation's weights (false: the last epoch's)
    max_minutes: float | None = None  # wall-clock budget; stops cleanly and still evaluates
    seed: int = 42  # every random choice of the run (0 to 2**32 - 1; a study sets it per run)
    threads: int | None = None  # torch threads (None = all cores)
    class_weights: Literal["balanced"] | list[float] | None = None  # loss weights per class
    label_smoothing: float = 0.0  # cross-entropy label smoothing
    group_by_length: bool = True  # length-grouped batches: less padding
    keep_checkpoints: bool = False  # keep intermediate checkpoints after a run completes
    # passed to transformers/accelerate for large models under torchrun/accelerate launch
    fsdp: bool = False  # shard with FSDP (TrainingArguments.fsdp); its settings in fsdp_config
    fsdp_config: dict[str, Any] | None = None  # TrainingArguments.fsdp_config, e.g. {min_num_params: 1e6}
    deepspeed: str | None = None  # path to a DeepSpeed JSON config (needs the deepspeed package)
    report_to: list[str] = field(default_factory=list)  # experiment trackers, through the Trainer: tensorboard, mlflow, wandb, trackio, ...
    project: str | None = None  # the trackers' project / experiment (a study sets its name; default textbench)

    def validate(self, where: str) -> None:
        _positive(where, "epochs", self.epochs)
        _positive(where, "max_steps", self.max_steps)
        _positive(where, "batch_size", self.batch_size)
        _positive(where, "eval_batch_size", self.eval_batch_size)
        _positive(where, "learning_rate", self.learning_rate)
        _positive(where, "weight_decay", self.weight_decay, allow_zero=True)
        _positive(where, "max_grad_norm", self.max_grad_norm)
        _positive(where, "gradient_accumulation_steps", self.gradient_accumulation_steps)
        _positive(where, "logging_steps", self.logging_steps)
        _positive(where, "max_minutes", self.max_minutes)
        _positive(where, "threads", self.threads)
        _positive(where, "early_stopping_patience", self.early_stopping_patience)
        check_seed(f"{where}.seed", self.seed)
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"{where}.warmup_ratio: must be in [0, 1), got {self.warmup_ratio}")
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"{where}.label_smoothing: must be in [0, 1), got {self.label_smoothing}")
        if self.early_stopping_patience and not self.select_best_epoch:
            raise ConfigError(f"{where}.early_stopping_patience: needs select_best_epoch: true")
        if self.eval_strategy == "steps" and not self.eval_steps:
            raise ConfigError(f"{where}.eval_steps: required when eval_strategy is 'steps'")
        unknown = [t for t in self.report_to if t not in TRACKERS]
        if unknown:
            raise ConfigError(f"{where}.report_to: unknown tracker {unknown[0]!r}; known: {', '.join(TRACKERS)}")
        if isinstance(self.class_weights, list) and any(w <= 0 for w in self.class_weights):
            raise ConfigError(f"{where}.class_weights: weights must be > 0")
        from textbench.evaluation.names import METRIC_NAMES

        if self.metric_for_best_model not in METRIC_NAMES:
            raise ConfigError(
                f"{where}.metric_for_best_model: unknown metric {self.metric_for_best_model!r};"
                f" known: {', '.join(METRIC_NAMES)}"
            )


# the Trainer's integrations (transformers.integrations.INTEGRATION_TO_CALLBACK), and "none"
TRACKERS = ("tensorboard", "mlflow", "wandb", "trackio", "comet_ml", "clearml", "dvclive", "neptune", "azure_ml",
            "codecarbon", "dagshub", "flyte", "swanlab", "none")


def check_seed(where: str, seed: int) -> None:
    """Seeds are what numpy, torch and Python's random all accept: 0 to 2**32 - 1."""
    if not 0 <= seed < 2**32:
        raise ConfigError(f"{where}: must be between 0 and 4294967295 (2**32 - 1), got {seed}")


@dataclass
class EvalConfig:
    """What to measure besides the per-epoch validation metrics."""

    reference_before_training: bool = True  # pretrained models: metrics before any training
    measure_inference: bool = True  # test-set latency and throughput


@dataclass
class OutputConfig:
    """Where the run folder goes."""

    dir: str = "runs"  # the folder that holds run folders (~ and $VARS expanded)
    name: str | None = None  # default: the config file's name, else a name from model and method
    if_exists: Literal["error", "suffix"] = "error"  # never overwrite a run silently

    def __post_init__(self) -> None:  # ~ and $VARS expanded once, so every part of a run uses one folder
        self.dir = os.path.expandvars(os.path.expanduser(self.dir))

    def validate(self, where: str) -> None:
        if self.name is not None and len(self.name.encode("utf-8")) > 200:
            raise ConfigError(f"{where}.name: {len(self.name)} characters is too long for a folder name"
                              " (at most 200 bytes); choose a shorter name")
        if self.name is not None:
            bad = [c for c in ("/", "\\", "\0") if c in self.name]
            if bad or self.name in ("", ".", "..") or self.name.startswith("."):
                raise ConfigError(
                    f"{where}.name: {self.name!r} is not a plain folder name (no slashes, not starting with '.')"
                )


@dataclass
class RunConfig:
    """A whole training run."""

    data: DataConfig = field(default_factory=DataConfig)
    tokenizer: TokenizerConfig = field(default_factory=TokenizerConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    method: MethodConfig = field(default_factory=MethodConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    output: OutputConfig = field(default_factory=OutputConfig)

    def validate(self, where: str) -> None:
        where = "" if where == "config" else where + "."
        if self.data.train_on_validation and self.train.select_best_epoch:
            raise ConfigError(
                f"{where}data.train_on_validation: the validation rows are training rows, so they cannot pick the"
                " best epoch; set train.select_best_epoch: false and train.epochs to the epochs a study found")
        if self.data.is_multi_label and self.train.label_smoothing:
            raise ConfigError(f"{where}train.label_smoothing: smooths a softmax over classes; multi-label data trains"
                              " one sigmoid per label, so leave it at 0")
        if self.model.kind != "scratch":
            return
        spec = self.method.spec
        if spec.needs_pretrained_weights and not self.model.from_pretraining_run:
            raise ConfigError(
                f"{where}method.name: {spec.name!r} needs pretrained weights; a scratch model"
                " without model.from_pretraining_run has nothing to train it on"
            )
        attention = self.model.architecture.get("attention_type", "mha")
        if spec.attention_types and attention not in spec.attention_types:
            raise ConfigError(
                f"{where}method.name: {spec.name!r} works with attention_type {' or '.join(spec.attention_types)};"
                f" this scratch model uses {attention}"
            )


def load_run_config(
    path: str | Path | None = None,
    overrides: list[str] | None = None,
    base: dict[str, Any] | None = None,
) -> RunConfig:
    """Load a run config from YAML (or the defaults when ``path`` is None) plus overrides."""
    raw: dict[str, Any] = dict(base or {})
    if path is not None:
        raw = load_yaml(path)
        if not raw:
            import logging

            logging.getLogger("textbench").warning(
                "note: %s is empty; every setting is a built-in default (MiniLM-L6 fully fine-tuned on"
                " builtin:tweets-sentiment unless --set says otherwise)", path)
    raw = apply_overrides(raw, overrides or [])
    cfg = load_dataclass(RunConfig, raw, path, overrides)
    if cfg.output.name is None and path is not None:
        cfg.output.name = Path(path).stem
    return cfg
