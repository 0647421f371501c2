"""What the Trainer trains when the frozen part of a model is cached (see `textbench.methods.caching`).

Both modules hold the trained parts of the real model (the very same module objects,
under the same parameter names), so training them trains the full model: nothing is
copied back afterwards, checkpoints hold only what trains, and the optimiser groups
(weight decay, head learning rate) come out as they would for the full model.

- `HeadOnFeatures`: a linear probe's head applied to cached head inputs ``(B, h)``.
- `TopLayersOnCache`: the full model's own forward with its frozen layers replaced,
  for that call only, by the cached output of the last of them (``(B, T, h)``).
"""

from __future__ import annotations

import contextlib
import inspect
from typing import Any, Iterator

import torch
from torch import nn
from transformers.modeling_outputs import SequenceClassifierOutput


def mount(root: nn.Module, model: nn.Module, paths: list[str]) -> None:
    """Attach ``model``'s modules at ``paths`` to ``root`` under the same dotted names."""
    for path in paths:
        *parents, leaf = path.split(".")
        node = root
        for name in parents:
            if name not in node._modules:
                node.add_module(name, nn.Module())
            node = node._modules[name]
        node.add_module(leaf, model.get_submodule(path))


def trained_module_paths(model: nn.Module) -> list[str]:
    """The outermost modules whose parameters all train, in the model's own order."""
    paths: list[str] = []
    for name, mod in model.named_modules():
        if not name or any(name.startswith(p + ".") for p in paths):
            continue
        params = list(mod.parameters())
        if params and all(p.requires_grad for p in params):
            paths.append(name)
    return paths


def _loss(logits: torch.Tensor, labels: torch.Tensor | None) -> torch.Tensor | None:
    """Cross-entropy over the classes, or for multi-label rows (K floats each) BCE per label."""
    if labels is None:
        return None
    if labels.is_floating_point() and labels.shape == logits.shape:  # (B, K) 0/1 per label
        return nn.functional.binary_cross_entropy_with_logits(logits.float(), labels.float())
    return nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1))


class HeadOnFeatures(nn.Module):
    """``head(dropout(features))``: the probe's head on the frozen backbone's cached output.

    ``input_dropout`` is the model's own dropout in front of its head (BERT and
    DistilBERT keep it as the top-level ``dropout``), so training sees the same head
    input noise as without the cache.
    """

    accepts_loss_kwargs = False

    def __init__(self, model: nn.Module, head: str, input_dropout: nn.Module | None) -> None:
        super().__init__()
        mount(self, model, [head])
        self.head_name = head
        self.input_dropout = input_dropout

    def forward(self, features: torch.Tensor, labels: torch.Tensor | None = None) -> SequenceClassifierOutput:
        x = features if self.input_dropout is None else self.input_dropout(features)  # (B, h)
        logits = getattr(self, self.head_name)(x)  # (B, C)
        return SequenceClassifierOutput(loss=_loss(logits, labels), logits=logits)


class Replay(nn.Module):
    """Stands in for a frozen layer: returns the cached output of the last frozen layer."""

    attention = None  # textbench models redraw performer features per layer; a cached layer has none

    def __init__(self, states: torch.Tensor, as_tuple: bool) -> None:
        super().__init__()
        self.states = states
        self.as_tuple = as_tuple

    def forward(self, *args: Any, **kwargs: Any) -> torch.Tensor | tuple[torch.Tensor]:
        return (self.states,) if self.as_tuple else self.states


class TopLayersOnCache(nn.Module):
    """The full model with layers ``[0, frozen)`` of its stack replayed from ``frozen_states``.

    The embeddings still run (a table lookup; their output is replaced), then the
    trainable top layers, final norm, pooling and head, exactly as the model does.
    The model's masks, positions and last-token pooling come from ``input_ids`` and
    ``attention_mask`` as usual.
    """

    def __init__(self, model: nn.Module, stack_path: str, frozen: int, as_tuple: bool) -> None:
        super().__init__()
        mount(self, model, trained_module_paths(model))
        self.__dict__["full_model"] = model  # not a submodule: its frozen weights stay out of checkpoints
        self.stack_path = stack_path
        self.frozen = frozen
        self.as_tuple = as_tuple
        sig = inspect.signature(model.forward).parameters
        self._use_cache_arg = "use_cache" in sig
        # as Trainer decides it for the model itself (loss scaling under gradient accumulation)
        self.accepts_loss_kwargs = bool(getattr(model, "accepts_loss_kwargs", any(
            p.kind == inspect.Parameter.VAR_KEYWORD for p in sig.values())))

    def train(self, mode: bool = True) -> "TopLayersOnCache":
        self.full_model.train(mode)  # dropout in the trained layers, pooler and head
        return super().train(mode)

    @contextlib.contextmanager
    def replayed(self, states: torch.Tensor) -> Iterator[None]:
        parent_path, _, attr = self.stack_path.rpartition(".")
        parent = self.full_model.get_submodule(parent_path)
        layers = getattr(parent, attr)
        replay = Replay(states, self.as_tuple)
        setattr(parent, attr, nn.ModuleList([replay] * self.frozen + list(layers)[self.frozen:]))
        try:
            yield
        finally:
            setattr(parent, attr, layers)

    def forward(
        self,
        input_ids: torch.Tensor,
        frozen_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        **kwargs: Any,
    ) -> SequenceClassifierOutput:
        inputs: dict[str, Any] = {"input_ids": input_ids, "attention_mask": attention_mask, **kwargs}
        if token_type_ids is not None:
            inputs["token_type_ids"] = token_type_ids
        if self._use_cache_arg:
            inputs["use_cache"] = False
        with self.replayed(frozen_states):  # (B, T, h)
            out = self.full_model(**inputs, labels=labels)
        return SequenceClassifierOutput(loss=out.loss, logits=out.logits)
