"""Full fine-tuning: every weight trains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textbench.methods.registry import MethodSpec, register_method
from textbench.methods.selection import train_only

if TYPE_CHECKING:
    from torch import nn


@dataclass
class FullSettings:
    """Full fine-tuning has no settings of its own."""


def apply(model: "nn.Module", settings: FullSettings) -> "nn.Module":
    train_only(model, lambda name: True)
    return model


register_method(MethodSpec(
    name="full", settings=FullSettings, apply=apply, describe=lambda s: "full fine-tuning",
    summary="every weight trains", trains_all_weights=True,
    learning_rates=(1e-5, 1.5e-4),
))
