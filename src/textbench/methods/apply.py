"""Apply a configured method to a loaded model."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textbench.errors import ModelError
from textbench.methods.config import MethodConfig

if TYPE_CHECKING:
    from torch import nn


def apply_method(model: "nn.Module", cfg: MethodConfig) -> "nn.Module":
    """Apply ``cfg``'s method to ``model`` and return the model to train.

    Errors (unknown target module, a model that cannot take a prefix, more layers
    than the model has, ...) are one-line ConfigError/ModelError.
    """
    from textbench.methods.model_parts import is_last_token_classifier, model_type

    config = getattr(model, "config", None)
    if is_last_token_classifier(model) and config is not None and config.get_text_config().pad_token_id is None:
        raise ModelError(
            f"{model_type(model)}: config.pad_token_id is not set; a decoder classifies from the last"
            " non-padding token and needs it (load it with pad_token_id=tokenizer.pad_token_id)"
        )
    return cfg.spec.apply(model, cfg.settings)
