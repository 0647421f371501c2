"""Method registry: each entry turns a loaded model into the model to train."""

from __future__ import annotations

from typing import Callable

from torch import nn

from textbench.config.schema import MethodConfig
from textbench.utils.registry import Registry

MethodFn = Callable[[nn.Module, MethodConfig], nn.Module]
METHODS: Registry[MethodFn] = Registry("fine-tuning method")


@METHODS.register("full")
def _full(model: nn.Module, cfg: MethodConfig) -> nn.Module:
    """Every weight trains."""
    for p in model.parameters():
        p.requires_grad_(True)
    return model


def apply_method(model: nn.Module, cfg: MethodConfig) -> nn.Module:
    """Apply ``cfg.name`` to ``model`` and return the model to train."""
    return METHODS.get(cfg.name, setting="method.name")(model, cfg)
