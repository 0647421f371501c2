"""The one Trainer every run goes through: transformers.Trainer plus class weights and a head learning rate."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn
from transformers import Trainer, TrainingArguments

from textbench.config.schema import TrainConfig
from textbench.errors import ConfigError
from textbench.evaluation.names import LOWER_IS_BETTER
from textbench.models.params import HEAD_KEYS
from textbench.runtime.environment import use_bf16


def trackers(tc: TrainConfig, run_dir: Path | None) -> list[str]:
    """``train.report_to`` checked and set up: each tracker installed (else a ConfigError naming it),
    TensorBoard writing to ``<run>/tensorboard/``, MLflow's experiment and W&B's project named after
    ``train.project`` (unless the environment names them)."""
    import os

    from transformers.integrations import integration_utils

    chosen = [t for t in tc.report_to if t != "none"]
    for name in chosen:
        available = getattr(integration_utils, f"is_{name}_available", None)
        if available is not None and not available():
            package = {"tensorboard": "tensorboard (or tensorboardX)", "comet_ml": "comet-ml"}.get(name, name)
            raise ConfigError(f"train.report_to: {name} is not installed here; pip install {package}")
    if "tensorboard" in chosen and run_dir is not None:
        os.environ["TENSORBOARD_LOGGING_DIR"] = str(Path(run_dir) / "tensorboard")
    project = tc.project or "textbench"
    os.environ.setdefault("MLFLOW_EXPERIMENT_NAME", project)
    os.environ.setdefault("WANDB_PROJECT", project)
    return chosen


def training_arguments(
    tc: TrainConfig, output_dir: Path, *, has_eval: bool = True, disable_tqdm: bool = False,
    run_dir: Path | None = None,
) -> TrainingArguments:
    """Map our TrainConfig onto TrainingArguments (AdamW fused, warmup + decay, clipping, ...)."""
    strategy = tc.eval_strategy if has_eval else "no"
    report_to = trackers(tc, run_dir)
    name = Path(run_dir).name if run_dir is not None else None
    return TrainingArguments(
        output_dir=str(output_dir),
        num_train_epochs=tc.epochs,
        max_steps=tc.max_steps or -1,
        per_device_train_batch_size=tc.batch_size,
        per_device_eval_batch_size=tc.eval_batch_size,
        gradient_accumulation_steps=tc.gradient_accumulation_steps,
        learning_rate=tc.learning_rate,
        weight_decay=tc.weight_decay,
        warmup_steps=tc.warmup_ratio,  # a float in [0, 1) is a ratio of total steps
        lr_scheduler_type=tc.scheduler,
        max_grad_norm=tc.max_grad_norm,
        optim="adamw_torch_fused",
        bf16=use_bf16(tc.precision),
        label_smoothing_factor=tc.label_smoothing,
        eval_strategy=strategy,
        eval_steps=tc.eval_steps,
        save_strategy=strategy if has_eval else "epoch",
        save_steps=tc.eval_steps,
        save_total_limit=2,
        load_best_model_at_end=has_eval and tc.select_best_epoch,
        metric_for_best_model=tc.metric_for_best_model if has_eval else None,
        greater_is_better=tc.metric_for_best_model not in LOWER_IS_BETTER,
        logging_strategy="steps",
        logging_steps=tc.logging_steps,
        logging_first_step=True,
        seed=tc.seed,
        data_seed=tc.seed,
        train_sampling_strategy="group_by_length" if tc.group_by_length else "random",
        report_to=report_to or "none",
        run_name=f"{tc.project}/{name}" if tc.project and name else name,
        project=tc.project or "textbench",
        disable_tqdm=disable_tqdm,
        dataloader_num_workers=0,
        use_cpu=not torch.cuda.is_available(),
        save_only_model=False,
        remove_unused_columns=True,
        # scale-out settings pass straight through (used under torchrun / accelerate launch)
        fsdp=tc.fsdp,
        fsdp_config=tc.fsdp_config,
        deepspeed=tc.deepspeed,
    )


class TextbenchTrainer(Trainer):
    """``Trainer`` with optional class-weighted loss and a separate head learning rate."""

    def __init__(
        self,
        *args: Any,
        class_weights: torch.Tensor | None = None,
        head_learning_rate: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Our losses are means over each micro-batch. Models whose forward takes **kwargs (BERT in
        # transformers 5) would otherwise be treated as summing over `num_items_in_batch`: the Trainer
        # would skip the gradient-accumulation division and multiply the loss by the process count.
        self.model_accepts_loss_kwargs = False
        self.class_weights = class_weights
        self.head_learning_rate = head_learning_rate

    def _get_train_sampler(self, train_dataset: Any = None) -> torch.utils.data.Sampler | None:
        """The Trainer's sampler; length-grouped batches seeded per epoch (see ``training.sampler``)."""
        from transformers.trainer_pt_utils import LengthGroupedSampler

        from textbench.training.sampler import EpochSeededLengthGroupedSampler

        sampler = super()._get_train_sampler(train_dataset)
        if type(sampler) is LengthGroupedSampler:
            seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
            return EpochSeededLengthGroupedSampler.like(sampler, seed)
        return sampler

    def compute_loss(self, model: nn.Module, inputs: dict[str, Any], return_outputs: bool = False,
                     num_items_in_batch: Any = None):
        if self.class_weights is None or "labels" not in inputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        logits = outputs["logits"]  # (B, C)
        if labels.is_floating_point() and labels.shape == logits.shape:  # multi-label: weights are pos_weight
            loss = nn.functional.binary_cross_entropy_with_logits(
                logits.float(), labels.float(), pos_weight=self.class_weights.to(logits.device))
        else:
            loss = nn.functional.cross_entropy(
                logits.float(), labels, weight=self.class_weights.to(logits.device),
                label_smoothing=self.args.label_smoothing_factor,
            )
        return (loss, outputs) if return_outputs else loss

    def create_optimizer(self, model: nn.Module | None = None) -> torch.optim.Optimizer:
        if self.head_learning_rate is None or self.optimizer is not None:
            return super().create_optimizer(model)
        opt_model = self.model if model is None else model
        decay = set(self.get_decay_parameter_names(opt_model))
        groups: dict[tuple[bool, bool], list[nn.Parameter]] = {}
        for n, p in opt_model.named_parameters():
            if not p.requires_grad:
                continue
            is_head = any(f"{k}." in n or n.startswith(k) for k in HEAD_KEYS)
            groups.setdefault((is_head, n in decay), []).append(p)
        param_groups = [
            {
                "params": ps,
                "weight_decay": self.args.weight_decay if dec else 0.0,
                "lr": self.head_learning_rate if head else self.args.learning_rate,
            }
            for (head, dec), ps in groups.items()
        ]
        cls, kwargs = self.get_optimizer_cls_and_kwargs(self.args, opt_model)
        kwargs.pop("lr", None)
        self.optimizer = cls(param_groups, lr=self.args.learning_rate, **kwargs)
        return self.optimizer


def class_weight_tensor(spec: str | list[float] | None, labels: list, num_labels: int) -> torch.Tensor | None:
    """``balanced`` (n / (k * count)) or explicit weights; None for plain cross-entropy. Multi-label
    rows (K floats each): the weights are BCE's ``pos_weight``, ``balanced`` = negatives / positives per label."""
    if spec is None:
        return None
    multi_label = len(labels) > 0 and isinstance(labels[0], (list, tuple))
    if spec == "balanced" and multi_label:
        positives = torch.tensor(labels, dtype=torch.float).sum(0)  # (K,)
        return (len(labels) - positives).clamp_min(1) / positives.clamp_min(1)
    if spec == "balanced":
        counts = torch.bincount(torch.tensor(labels), minlength=num_labels).float().clamp_min(1)
        return counts.sum() / (num_labels * counts)
    from textbench.errors import ConfigError

    if len(spec) != num_labels:
        raise ConfigError(f"train.class_weights: {len(spec)} weights given for {num_labels} classes")
    return torch.tensor(spec, dtype=torch.float)
