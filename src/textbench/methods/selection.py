"""Choose which of a model's own weights train."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from torch import nn


def train_only(model: "nn.Module", keep: Callable[[str], bool]) -> int:
    """``requires_grad`` = ``keep(name)`` for every parameter; returns the trainable count."""
    n = 0
    for name, p in model.named_parameters():
        p.requires_grad_(keep(name))
        n += p.numel() if p.requires_grad else 0
    return n
