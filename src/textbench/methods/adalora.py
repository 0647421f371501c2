"""AdaLoRA through PEFT: LoRA whose rank budget moves, during training, to the layers that need it.

Starts every adapted layer at ``init_r`` and prunes towards an average of ``target_r`` by the
importance of each singular value. PEFT needs the run's total steps and a call after every
optimizer step (``update_and_allocate``); ``RankAllocation``, a Trainer callback this method
brings, does both. The budget schedule is given as fractions of the run: ``warmup`` steps at
full rank first, ``final`` steps at the final ranks last. Pruned ranks are zeros in the saved
adapter (full-size matrices, so any epoch's checkpoint fits the model). A resumed run starts
the importance estimates afresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textbench.errors import ConfigError
from textbench.methods.registry import MethodSpec, register_method

if TYPE_CHECKING:
    from torch import nn

PLACEHOLDER_STEPS = 1_000_000  # PEFT checks total_step when the adapter is made; the callback sets the real one


@dataclass
class AdaLoraSettings:
    init_r: int = 12  # rank every adapted layer starts with
    target_r: int = 8  # average rank after the budget is moved
    alpha: float = 16.0  # scaling (lora_alpha)
    dropout: float = 0.05
    warmup: float = 0.1  # fraction of the steps at full rank before ranks move
    final: float = 0.2  # fraction of the steps at the final ranks
    delta_t: int = 10  # steps between two rank reallocations
    orth_reg_weight: float = 0.5  # weight of the orthogonality penalty in the loss
    target_modules: list[str] | None = None  # None = the attention projections

    def validate(self, where: str) -> None:
        if not 1 <= self.target_r <= self.init_r:
            raise ConfigError(f"{where}.target_r: must be in [1, init_r={self.init_r}], got {self.target_r}")
        if self.alpha <= 0:
            raise ConfigError(f"{where}.alpha: must be > 0, got {self.alpha}")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"{where}.dropout: must be in [0, 1), got {self.dropout}")
        if self.warmup < 0 or self.final < 0 or self.warmup + self.final >= 1:
            raise ConfigError(f"{where}.warmup + final: fractions of the run, >= 0 and < 1 together;"
                              f" got {self.warmup} + {self.final}")
        if self.delta_t < 1:
            raise ConfigError(f"{where}.delta_t: must be >= 1, got {self.delta_t}")


def apply(model: "nn.Module", cfg: AdaLoraSettings) -> "nn.Module":
    from peft import AdaLoraConfig

    from textbench.methods.peft_wrap import targets_for, wrap

    return wrap(model, AdaLoraConfig(init_r=cfg.init_r, target_r=cfg.target_r, lora_alpha=cfg.alpha,
                                     lora_dropout=cfg.dropout, deltaT=cfg.delta_t, orth_reg_weight=cfg.orth_reg_weight,
                                     total_step=PLACEHOLDER_STEPS, target_modules=targets_for(model, cfg.target_modules)))


def rank_allocation(cfg: AdaLoraSettings) -> list[Any]:
    """The Trainer callback AdaLoRA needs (built lazily: transformers is imported only to train)."""
    from transformers import TrainerCallback

    class RankAllocation(TrainerCallback):
        """Sets PEFT's schedule from the run's steps; reallocates ranks after each optimizer step."""

        def on_train_begin(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            peft_cfg = model.peft_config[model.active_adapter]
            total = max(int(state.max_steps), 1)
            peft_cfg.total_step = total
            peft_cfg.tinit = int(cfg.warmup * total)
            peft_cfg.tfinal = int(cfg.final * total)

        pattern: dict[str, Any] | None = None

        def on_optimizer_step(self, args: Any, state: Any, control: Any, model: Any = None, **kwargs: Any) -> None:
            # PEFT keeps the ranks in the config (rank_pattern) and then saves checkpoints cut to them,
            # which the best epoch's reload at the end cannot fit into the final ranks; so the pattern
            # lives here between steps and checkpoints keep full-size (masked) matrices
            peft_cfg = model.peft_config[model.active_adapter]
            peft_cfg.rank_pattern = self.pattern
            model.base_model.update_and_allocate(state.global_step)  # gradients are still there
            self.pattern, peft_cfg.rank_pattern = peft_cfg.rank_pattern, None

    return [RankAllocation()]


register_method(MethodSpec(
    name="adalora", settings=AdaLoraSettings, apply=apply, callbacks=rank_allocation,
    describe=lambda s: f"AdaLoRA r {s.init_r}->{s.target_r}",
    summary="LoRA whose rank budget moves to the layers that need it while training (AdaLoRA, PEFT);"
            " the head trains in full",
    search_space={"target_r": [4, 8]}, learning_rates=(1e-4, 3e-3),
))
