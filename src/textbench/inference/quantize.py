"""Opt-in dynamic int8 quantisation for CPU inference (``textbench predict --quantize int8``).

Every ``nn.Linear`` gets int8 weights (per-tensor, symmetric) and int8 activations quantised on the
fly (``torch.ao.quantization.quantize_dynamic``); embeddings, layer norms and softmax stay fp32.
It changes the probabilities slightly (and now and then a label), so it is never a default.
"""

from __future__ import annotations

import warnings
from typing import Any

from textbench.errors import ConfigError

QUANTIZE_CHOICES = ("int8",)


def quantize_dynamic_int8(model: Any) -> Any:
    """The model with dynamic int8 ``nn.Linear`` layers (CPU only; in place where torch allows)."""
    import torch
    from torch import nn

    if next(model.parameters()).device.type != "cpu":
        raise ConfigError("--quantize int8 runs on CPU only (dynamic int8 kernels); drop it on a GPU")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch.ao.quantization is deprecated in favour of torchao
        try:
            from torch.ao.quantization import quantize_dynamic
        except ImportError as e:  # pragma: no cover - a torch without it
            raise ConfigError(f"--quantize int8 needs torch.ao.quantization, missing in this torch ({e})") from None
        q = quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8)
    q.eval()
    return q
