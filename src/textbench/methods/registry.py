"""Method registry: each entry turns a loaded model into the model to train.

Entries live beside this file (``selective``: full, freeze, bitfit; ``probe``:
linear_probe; ``lora``; ``prefix``) and register themselves when
``textbench.methods`` is imported.
"""

from __future__ import annotations

from typing import Callable

from torch import nn

from textbench.config.schema import MethodConfig
from textbench.errors import ConfigError, ModelError
from textbench.utils.registry import Registry

MethodFn = Callable[[nn.Module, MethodConfig], nn.Module]
METHODS: Registry[MethodFn] = Registry("fine-tuning method")


def apply_method(model: nn.Module, cfg: MethodConfig) -> nn.Module:
    """Apply ``cfg.name`` to ``model`` and return the model to train.

    Errors (unknown target module, a model that cannot take a prefix, more layers
    than the model has, ...) are one-line ConfigError/ModelError.
    """
    from textbench.methods.anatomy import is_last_token_classifier, model_type

    fn = METHODS.get(cfg.name, setting="method.name")
    if cfg.merge_adapter and cfg.name != "lora":
        raise ConfigError(f"method.merge_adapter: only for method lora (method is {cfg.name})")
    config = getattr(model, "config", None)
    if is_last_token_classifier(model) and config is not None and config.get_text_config().pad_token_id is None:
        raise ModelError(
            f"{model_type(model)}: config.pad_token_id is not set; a decoder classifies from the last"
            " non-padding token and needs it (load it with pad_token_id=tokenizer.pad_token_id)"
        )
    return fn(model, cfg)
