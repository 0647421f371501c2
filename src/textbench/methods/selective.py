"""Methods that pick which of the model's own weights train: full, freeze, bitfit."""

from __future__ import annotations

from typing import Callable

from torch import nn

from textbench.config.schema import MethodConfig
from textbench.errors import ConfigError, ModelError
from textbench.methods.anatomy import head_names, in_head, layer_stack, model_type
from textbench.methods.registry import METHODS


def train_only(model: nn.Module, keep: Callable[[str], bool]) -> int:
    """``requires_grad`` = ``keep(name)`` for every parameter; returns the trainable count."""
    n = 0
    for name, p in model.named_parameters():
        p.requires_grad_(keep(name))
        n += p.numel() if p.requires_grad else 0
    return n


@METHODS.register("full")
def full(model: nn.Module, cfg: MethodConfig) -> nn.Module:
    """Every weight trains."""
    train_only(model, lambda name: True)
    return model


@METHODS.register("freeze")
def freeze(model: nn.Module, cfg: MethodConfig) -> nn.Module:
    """Embeddings and all but the top ``trainable_layers`` blocks frozen.

    Everything above the layer stack trains too: the head, a pooler, a final norm.
    "Above" follows the order in which the model registers its parameters
    (embeddings come before the blocks in every transformers model and ours).
    """
    heads = head_names(model)
    stack = layer_stack(model)
    n_train = cfg.trainable_layers
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


@METHODS.register("bitfit")
def bitfit(model: nn.Module, cfg: MethodConfig) -> nn.Module:
    """Only bias terms (attention, MLP, norms) and the head train (BitFit, Ben Zaken et al. 2022)."""
    heads = head_names(model)
    biases = [n for n, _ in model.named_parameters() if n.endswith("bias") and not in_head(n, heads)]
    if not biases:
        raise ModelError(
            f"method.name: bitfit needs bias terms, but {model_type(model)} has none outside its head;"
            " use lora or freeze for this model"
        )
    train_only(model, lambda name: in_head(name, heads) or name.endswith("bias"))
    return model
