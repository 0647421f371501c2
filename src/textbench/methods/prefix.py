"""Prefix tuning through PEFT: trained key/value prefixes for every layer; the head trains too.

A model that cannot take a prefix fails in `apply`, with one line naming why, not
mid-training (the PEFT side is in `textbench.methods.peft_prefix`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textbench.errors import ConfigError, ModelError
from textbench.methods.registry import MethodSpec, register_method

if TYPE_CHECKING:
    from torch import nn


@dataclass
class PrefixSettings:
    num_virtual_tokens: int = 20  # prefix length per layer
    prefix_projection: bool = False  # reparametrise the prefixes through an MLP while training
    prefix_hidden_size: int | None = None  # that MLP's width (None = the model's hidden size)

    def validate(self, where: str) -> None:
        if self.num_virtual_tokens < 1:
            raise ConfigError(f"{where}.num_virtual_tokens: must be >= 1, got {self.num_virtual_tokens}")
        if self.prefix_hidden_size is not None and not self.prefix_projection:
            raise ConfigError(f"{where}.prefix_hidden_size: only used with {where}.prefix_projection: true")


def apply(model: "nn.Module", cfg: PrefixSettings) -> "nn.Module":
    """Wrap ``model`` in a PEFT prefix-tuning model (base frozen; prefixes + head trainable)."""
    from peft import PrefixTuningConfig, TaskType, get_peft_model

    from textbench.methods.model_parts import head_names, model_type
    from textbench.methods.peft_prefix import check_can_take_prefix, dry_run, prefix_tuning_class

    check_can_take_prefix(model)
    config = model.config
    extra: dict[str, int] = {}
    if config.model_type == "textbench":  # keys/values live in the attention width, not hidden_size
        extra = {"token_dim": config.num_attention_heads * config.head_size,
                 "num_attention_heads": config.num_attention_heads,
                 "num_layers": config.num_hidden_layers}
    peft_cfg = PrefixTuningConfig(
        task_type=TaskType.SEQ_CLS,
        num_virtual_tokens=cfg.num_virtual_tokens,
        prefix_projection=cfg.prefix_projection,
        encoder_hidden_size=cfg.prefix_hidden_size or config.hidden_size,
        modules_to_save=head_names(model),
        **extra,
    )
    try:
        peft_model = get_peft_model(model, peft_cfg)
    except (ValueError, TypeError, AttributeError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"method.name: prefix tuning does not work with {model_type(model)}: {first}") from None
    peft_model.__class__ = prefix_tuning_class(type(peft_model))
    dry_run(peft_model)
    return peft_model


register_method(MethodSpec(
    name="prefix", settings=PrefixSettings, apply=apply,
    describe=lambda s: f"prefix tuning, {s.num_virtual_tokens} tokens",
    summary="trained key/value prefixes in every layer (PEFT); the head trains too",
    attention_types=("mha",),
    search_space={"num_virtual_tokens": [10, 20, 40]},
    learning_rates=(1e-3, 3e-2),
))
