"""Method plugins: each method is one module with its settings, its ``apply`` and what it needs.

A method registers a `MethodSpec` under its name (``register_method``); nothing else in
textbench names methods. Importing this module (and the method modules) imports no torch:
configs are checked before the heavy imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from textbench.utils.registry import Registry

if TYPE_CHECKING:
    from torch import nn


@dataclass(frozen=True)
class MethodSpec:
    """One fine-tuning method, as the rest of textbench sees it."""

    name: str
    settings: type  # dataclass of the method's own keys under ``method:``
    apply: Callable[["nn.Module", Any], "nn.Module"]  # (model, settings) -> the model to train
    describe: Callable[[Any], str]  # settings -> a short phrase for reports ("LoRA r=8, alpha=16")
    summary: str  # one line for `--help`-style listings and the docs
    needs_pretrained_weights: bool = False  # from-scratch models need model.from_pretraining_run
    attention_types: tuple[str, ...] | None = None  # from-scratch models: attention kinds it works with
    frozen_part: str | None = None  # "head_input" / "lower_layers": computed once and cached (cache_frozen)
    trains_all_weights: bool = False
    # what a tuning search varies of the method's own settings (a list = choices; a mapping =
    # {low, high, log, int}); the learning rate and epochs are searched for every method
    search_space: dict[str, Any] = field(default_factory=dict)
    # the learning rates a search tries for this method on a pretrained model (log-uniform)
    learning_rates: tuple[float, float] = (1e-5, 1e-3)
    # Trainer callbacks the method needs while training (settings -> callbacks; AdaLoRA's rank allocation)
    callbacks: Callable[[Any], list[Any]] | None = None


METHODS: Registry[MethodSpec] = Registry("fine-tuning method")


def register_method(spec: MethodSpec) -> MethodSpec:
    """Make ``spec`` available as ``method.name: <spec.name>`` (one line in the method's module)."""
    METHODS.add(spec.name, spec)
    return spec


def method_spec(name: str, setting: str = "method.name") -> MethodSpec:
    _load_builtin_methods()
    return METHODS.get(name, setting=setting)


def method_names() -> list[str]:
    _load_builtin_methods()
    return METHODS.names()


# the methods that ship with textbench: a new method is one module here plus its name in this list
BUILTIN_METHODS = ("full", "freeze", "bitfit", "linear_probe", "lora", "adalora", "prefix", "adapters")


def _load_builtin_methods() -> None:
    import importlib

    for name in BUILTIN_METHODS:
        importlib.import_module(f"textbench.methods.{name}")  # each registers itself once
