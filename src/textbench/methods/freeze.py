"""Freeze: embeddings and all but the top ``trainable_layers`` transformer blocks stay fixed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textbench.errors import ConfigError
from textbench.methods.registry import MethodSpec, register_method
from textbench.methods.selection import train_only

if TYPE_CHECKING:
    from torch import nn


@dataclass
class FreezeSettings:
    trainable_layers: int = 2  # top transformer blocks that train
    cache_frozen: bool = True  # compute the frozen layers' output once and reuse it every epoch

    def validate(self, where: str) -> None:
        if self.trainable_layers < 0:
            raise ConfigError(f"{where}.trainable_layers: must be >= 0, got {self.trainable_layers}")


def apply(model: "nn.Module", settings: FreezeSettings) -> "nn.Module":
    """Everything above the layer stack trains too: the head, a pooler, a final norm.

    "Above" follows the order in which the model registers its parameters (embeddings
    come before the blocks in every transformers model and ours).
    """
    from textbench.methods.model_parts import head_names, in_head, layer_stack, model_type

    heads = head_names(model)
    stack = layer_stack(model)
    n_train = settings.trainable_layers
    if n_train > stack.num_layers:
        raise ConfigError(
            f"method.trainable_layers: {n_train} but the model ({model_type(model)}) has only"
            f" {stack.num_layers} transformer layers"
        )
    first_trainable = stack.num_layers - n_train
    seen_stack = False
    trainable: set[str] = set()
    for name, _ in model.named_parameters():
        idx = stack.index(name)
        if idx is not None:
            seen_stack = True
            if idx >= first_trainable:
                trainable.add(name)
        elif seen_stack or in_head(name, heads):
            trainable.add(name)  # pooler, final norm, head
    train_only(model, lambda name: name in trainable)
    return model


register_method(MethodSpec(
    name="freeze", settings=FreezeSettings, apply=apply,
    describe=lambda s: f"top {s.trainable_layers} layers trained",
    summary="embeddings and lower layers frozen; the top layers and the head train",
    frozen_part="lower_layers",
    search_space={"trainable_layers": [1, 2, 3]},
    learning_rates=(2e-5, 5e-4),
))
