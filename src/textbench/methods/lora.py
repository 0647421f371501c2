"""LoRA through PEFT: low-rank updates on the attention projections; the head trains in full.

Target modules, when ``method.target_modules`` is not set, by the model's layer names
(first rule whose names all exist):

- ``qk_proj`` + ``v_proj``: our models with LSH attention (queries and keys shared)
- ``query`` + ``value``: BERT-like encoders (BERT, MiniLM, RoBERTa, ELECTRA)
- ``q_proj`` + ``v_proj``: Llama/Gemma/Mistral/Qwen-like decoders and our mha/performer models
- ``q_lin`` + ``v_lin`` (DistilBERT), ``c_attn`` (GPT-2), ``query_key_value`` (GPT-NeoX, Falcon),
  ``Wqkv`` (ModernBERT)

Add ``k_proj``/``o_proj`` (decoders) or ``key``/``dense`` (encoders) by listing them. On emotion,
MiniLM-L6 with LoRA on query and value stayed a point of accuracy behind full fine-tuning; on
``[query, key, value, dense]`` (every linear layer) it was level, at 1.2x full fine-tuning's epoch time
on CPU instead of 0.8x (docs/reproductions.md, report 4).
The head (``classifier``/``score``) is in ``modules_to_save``: trained and saved with the adapter.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textbench.errors import ConfigError, ModelError
from textbench.methods.registry import MethodSpec, register_method

if TYPE_CHECKING:
    from torch import nn

TARGET_RULES: list[list[str]] = [
    ["qk_proj", "v_proj"],
    ["query", "value"],
    ["q_proj", "v_proj"],
    ["q_lin", "v_lin"],
    ["c_attn"],
    ["query_key_value"],
    ["Wqkv"],
]


@dataclass
class LoraSettings:
    r: int = 8  # rank of the update
    alpha: float = 16.0  # scaling: the update is multiplied by alpha / r
    dropout: float = 0.05  # on the LoRA input
    target_modules: list[str] | None = None  # None = found automatically for the model
    merge_adapter: bool = False  # merge LoRA into the base weights when saving the final model

    def validate(self, where: str) -> None:
        if self.r < 1:
            raise ConfigError(f"{where}.r: LoRA rank must be >= 1, got {self.r}")
        if self.alpha <= 0:
            raise ConfigError(f"{where}.alpha: must be > 0, got {self.alpha}")
        if not 0 <= self.dropout < 1:
            raise ConfigError(f"{where}.dropout: must be in [0, 1), got {self.dropout}")


def default_target_modules(model: "nn.Module") -> list[str]:
    """The attention projections LoRA adapts by default (see the module docstring)."""
    from textbench.methods.model_parts import head_names, linear_leaf_names, model_type

    heads = head_names(model)
    names = set(linear_leaf_names(model, exclude=heads))
    for rule in TARGET_RULES:
        if all(n in names for n in rule):
            return list(rule)
    raise ModelError(
        f"method.target_modules: no known attention projection names in {model_type(model)};"
        f" set method.target_modules to some of: {', '.join(sorted(names))}"
    )


def check_target_modules(model: "nn.Module", targets: list[str]) -> None:
    """Every name must match a linear layer outside the head (PEFT's suffix rule)."""
    from textbench.methods.model_parts import has_module, head_names, linear_leaf_names, model_type

    heads = head_names(model)
    candidates = linear_leaf_names(model, exclude=heads)
    if not targets:
        raise ConfigError("method.target_modules: empty list; leave it unset for the automatic choice")
    for t in targets:
        if not has_module(model, t):
            raise ConfigError(
                f"method.target_modules: no module named {t!r} in {model_type(model)};"
                f" candidates: {', '.join(candidates)}"
            )
        if t.rsplit(".", 1)[-1] in heads:
            raise ConfigError(
                f"method.target_modules: {t!r} is the classification head, which trains in full anyway"
            )


def apply(model: "nn.Module", cfg: LoraSettings, use_dora: bool = False) -> "nn.Module":
    """Wrap ``model`` in a PEFT LoRA model (base frozen, adapters + head trainable); DoRA with ``use_dora``."""
    from peft import LoraConfig

    from textbench.methods.peft_wrap import targets_for, wrap

    return wrap(model, LoraConfig(r=cfg.r, lora_alpha=cfg.alpha, lora_dropout=cfg.dropout,
                                  target_modules=targets_for(model, cfg.target_modules), use_dora=use_dora))


register_method(MethodSpec(
    name="lora", settings=LoraSettings, apply=apply, describe=lambda s: f"LoRA r={s.r}, alpha={s.alpha:g}",
    summary="low-rank updates of the attention projections (PEFT); the head trains in full",
    search_space={"r": [4, 8, 16], "alpha": [8.0, 16.0, 32.0]},
    learning_rates=(1e-4, 3e-3),
))

register_method(MethodSpec(
    name="dora", settings=LoraSettings, apply=lambda model, cfg: apply(model, cfg, use_dora=True),
    describe=lambda s: f"DoRA r={s.r}, alpha={s.alpha:g}",
    summary="LoRA with the weight split into magnitude and direction (DoRA, PEFT use_dora); the head trains in full",
    search_space={"r": [4, 8, 16], "alpha": [8.0, 16.0, 32.0]},
    learning_rates=(1e-4, 3e-3),
))
