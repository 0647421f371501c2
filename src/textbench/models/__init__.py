"""From-scratch transformer family, native to Hugging Face transformers.

Importing this package registers ``model_type="textbench"`` with AutoConfig,
AutoModel, AutoModelForSequenceClassification, AutoModelForMaskedLM and
AutoModelForCausalLM, so saved models load with the Auto classes in-process
(no ``trust_remote_code``, no ``auto_map``).
"""

from __future__ import annotations

from transformers import (
    AutoConfig,
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    AutoModelForSequenceClassification,
)

from textbench.models.attention import ATTENTION
from textbench.models.configuration import TextbenchConfig
from textbench.models.heads import HEADS
from textbench.models.modeling import (
    TextbenchForCausalLM,
    TextbenchForMaskedLM,
    TextbenchForSequenceClassification,
    TextbenchModel,
    TextbenchPreTrainedModel,
)
from textbench.models.params import count_parameters
from textbench.models.pooling import POOLING
from textbench.models.positions import POSITIONS

AutoConfig.register(TextbenchConfig.model_type, TextbenchConfig, exist_ok=True)
AutoModel.register(TextbenchConfig, TextbenchModel, exist_ok=True)
AutoModelForSequenceClassification.register(
    TextbenchConfig, TextbenchForSequenceClassification, exist_ok=True
)
AutoModelForMaskedLM.register(TextbenchConfig, TextbenchForMaskedLM, exist_ok=True)
AutoModelForCausalLM.register(TextbenchConfig, TextbenchForCausalLM, exist_ok=True)

__all__ = [
    "ATTENTION",
    "HEADS",
    "POOLING",
    "POSITIONS",
    "TextbenchConfig",
    "TextbenchForCausalLM",
    "TextbenchForMaskedLM",
    "TextbenchForSequenceClassification",
    "TextbenchModel",
    "TextbenchPreTrainedModel",
    "count_parameters",
]
