"""Fine-tuning methods: which parameters train. A string registry keyed by ``method.name``.

``apply_method(model, cfg)`` -> the model to train; ``count_parameters(model)`` ->
total / trainable / backbone / head / adapter; ``save_trained_model`` and
``load_trained_model`` save and reload any method's result with identical outputs.
"""

from textbench.methods import lora, prefix, probe, selective  # noqa: F401  (register the methods)
from textbench.models.params import count_parameters
from textbench.methods.registry import METHODS, apply_method
from textbench.methods.saving import load_adapter_model, load_trained_model, save_trained_model

__all__ = [
    "METHODS",
    "apply_method",
    "count_parameters",
    "load_adapter_model",
    "load_trained_model",
    "save_trained_model",
]
