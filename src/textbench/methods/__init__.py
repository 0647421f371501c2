"""Fine-tuning methods: which parameters train. A string registry keyed by ``method.name``."""

from textbench.methods.accounting import count_parameters
from textbench.methods.registry import METHODS, apply_method

__all__ = ["METHODS", "apply_method", "count_parameters"]
