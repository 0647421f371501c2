"""Linear probe: the backbone is frozen and only a (new) classification head trains.

``probe_head`` picks the head (see `textbench.methods.probe_head`), ``probe_pooling`` what it
reads (see `textbench.methods.probe_pooling`); with ``cache_frozen`` the frozen backbone runs
once and the head trains on its cached outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from textbench.methods.registry import MethodSpec, register_method
from textbench.methods.selection import train_only

if TYPE_CHECKING:
    from torch import nn


@dataclass
class LinearProbeSettings:
    probe_head: Literal["linear", "bert", "mlp"] = "linear"  # the head on the frozen pooled features
    # what the head reads: the model's own pooled vector, or the mean of the final token states
    # (what sentence-embedding checkpoints such as MiniLM-L6 are trained for; BERT-style models)
    probe_pooling: Literal["model", "mean"] = "model"
    cache_frozen: bool = True  # compute the backbone's features once and reuse them every epoch


def apply(model: "nn.Module", settings: LinearProbeSettings) -> "nn.Module":
    """Freeze everything but the head; swap in the ``probe_head`` kind of head."""
    from textbench.methods.model_parts import head_names, in_head
    from textbench.methods.probe_head import CONFIG_KEY, install_probe_head, probe_spec
    from textbench.methods.probe_pooling import apply_probe_pooling

    apply_probe_pooling(model, settings.probe_pooling)
    spec = probe_spec(model, settings.probe_head)
    if spec is not None:
        install_probe_head(model, spec)
        setattr(model.config, CONFIG_KEY, spec)
    heads = [head_names(model)[-1]]
    train_only(model, lambda name: in_head(name, heads))
    return model


register_method(MethodSpec(
    name="linear_probe", settings=LinearProbeSettings, apply=apply,
    describe=lambda s: f"linear probe ({s.probe_head} head" + (", mean pooling)" if s.probe_pooling == "mean" else ")"),
    summary="the backbone is frozen; a new head trains on its features",
    needs_pretrained_weights=True, frozen_part="head_input",
    search_space={"probe_head": ["linear", "mlp"]},
    learning_rates=(1e-4, 3e-2),
))
