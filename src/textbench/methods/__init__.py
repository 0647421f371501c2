"""Fine-tuning methods: which parameters train. Each is a plugin module (see ``registry``).

``MethodConfig`` (``method:`` in a config) -> ``apply_method(model, cfg)`` -> the model to
train; ``save_trained_model`` and ``load_trained_model`` save and reload any method's
result with identical outputs. Importing the package (and a method's settings) imports
no torch; the rest loads on first use.
"""

from textbench.methods.config import MethodConfig
from textbench.methods.registry import MethodSpec, method_names, method_spec, register_method
from textbench.utils.lazy import lazy_exports

_EXPORTS = {
    "apply_method": "textbench.methods.apply",
    "count_parameters": "textbench.models.params",
    "load_adapter_model": "textbench.methods.saving",
    "load_trained_model": "textbench.methods.saving",
    "save_trained_model": "textbench.methods.saving",
}
__all__ = ["MethodConfig", "MethodSpec", "apply_method", "count_parameters", "load_adapter_model",
           "load_trained_model", "method_names", "method_spec", "register_method", "save_trained_model"]

__getattr__ = lazy_exports(__name__, _EXPORTS)  # the rest import on first use
