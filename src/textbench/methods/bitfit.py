"""BitFit (Ben Zaken et al. 2022): only bias terms (attention, MLP, norms) and the head train."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textbench.errors import ModelError
from textbench.methods.registry import MethodSpec, register_method
from textbench.methods.selection import train_only

if TYPE_CHECKING:
    from torch import nn


@dataclass
class BitFitSettings:
    """BitFit has no settings of its own."""


def apply(model: "nn.Module", settings: BitFitSettings) -> "nn.Module":
    from textbench.methods.model_parts import head_names, in_head, model_type

    heads = head_names(model)
    biases = [n for n, _ in model.named_parameters() if n.endswith("bias") and not in_head(n, heads)]
    if not biases:
        raise ModelError(
            f"method.name: bitfit needs bias terms, but {model_type(model)} has none outside its head;"
            " use lora or freeze for this model"
        )
    train_only(model, lambda name: in_head(name, heads) or name.endswith("bias"))
    return model


register_method(MethodSpec(
    name="bitfit", settings=BitFitSettings, apply=apply, describe=lambda s: "BitFit (biases)",
    summary="only bias terms and the head train",
    learning_rates=(1e-4, 1e-2),
))
