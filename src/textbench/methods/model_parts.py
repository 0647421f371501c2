"""Find the parts of a sequence-classification model that the methods need.

Works by structure, not by model name, so any ``*ForSequenceClassification``
(BERT-like encoders, Llama-like decoders, our own models) is handled alike:

- head: the top-level ``classifier`` / ``score`` (plus DistilBERT's ``pre_classifier``);
- layer stack: the ``nn.ModuleList`` with ``config.num_hidden_layers`` blocks;
- linear layer names: the candidates for LoRA ``target_modules``.
"""

from __future__ import annotations

from dataclasses import dataclass

from torch import nn

from textbench.errors import ModelError

HEAD_MODULES = ("pre_classifier", "classifier", "score")


def head_names(model: nn.Module) -> list[str]:
    """Top-level names of the classification head's modules (trained by every method)."""
    names = [n for n in HEAD_MODULES if isinstance(getattr(model, n, None), nn.Module)]
    if not names:
        raise ModelError(
            f"{type(model).__name__}: no classification head found (expected a module named"
            f" {' or '.join(HEAD_MODULES)}); load the model with AutoModelForSequenceClassification"
        )
    return names


def in_head(param_name: str, heads: list[str]) -> bool:
    return any(param_name == h or param_name.startswith(h + ".") for h in heads)


@dataclass
class LayerStack:
    """The transformer blocks: ``prefix`` is e.g. ``bert.encoder.layer``, ``model.layers``."""

    prefix: str
    num_layers: int

    def index(self, param_name: str) -> int | None:
        """Block index of a parameter, or None when it lies outside the stack."""
        if not param_name.startswith(self.prefix + "."):
            return None
        return int(param_name[len(self.prefix) + 1 :].split(".", 1)[0])


def layer_stack(model: nn.Module) -> LayerStack:
    """The ModuleList of transformer blocks (the largest one with ``num_hidden_layers`` entries)."""
    n = getattr(getattr(model, "config", None), "num_hidden_layers", None)
    found: list[tuple[int, str, int]] = []
    for name, mod in model.named_modules():
        if isinstance(mod, nn.ModuleList) and len(mod) > 0 and (n is None or len(mod) == n):
            size = sum(p.numel() for p in mod.parameters())
            found.append((size, name, len(mod)))
    if not found:
        raise ModelError(f"{type(model).__name__}: cannot find its stack of transformer layers")
    _, name, count = max(found)
    return LayerStack(name, count)


def linear_leaf_names(model: nn.Module, exclude: list[str] | None = None) -> list[str]:
    """Last name component of every linear-like layer outside ``exclude`` (sorted, unique)."""
    from transformers.pytorch_utils import Conv1D

    names: set[str] = set()
    for name, mod in model.named_modules():
        if exclude and in_head(name, exclude):
            continue
        if isinstance(mod, (nn.Linear, Conv1D)):
            names.add(name.rsplit(".", 1)[-1])
    return sorted(names)


def has_module(model: nn.Module, target: str) -> bool:
    """PEFT's rule for a target name: the full module name or its dotted suffix."""
    return any(n == target or n.endswith("." + target) for n, _ in model.named_modules())


def model_type(model: nn.Module) -> str:
    return str(getattr(getattr(model, "config", None), "model_type", type(model).__name__))


def is_last_token_classifier(model: nn.Module) -> bool:
    """Decoder classifiers (``score`` head) pool the last non-padding token."""
    return isinstance(getattr(model, "score", None), nn.Module)
