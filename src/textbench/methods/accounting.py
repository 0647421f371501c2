"""Parameter accounting, computed the same way for every method.

``total`` counts the model's own weights (backbone + head), so a LoRA run and a
full run of the same model report the same total; adapter weights are counted
apart. PEFT's frozen copies of saved modules (``original_module``) and tied
weights are counted once.
"""

from __future__ import annotations

from torch import nn

HEAD_KEYS = ("classifier", "score", "lm_head", "cls.predictions")
ADAPTER_KEYS = ("lora_", "prompt_encoder", "prefix_encoder", "modules_to_save.default.__adapter")


def _group(name: str) -> str:
    if any(k in name for k in ("lora_", "prompt_encoder", "prefix_encoder")):
        return "adapter"
    if any(f"{k}." in name or name.startswith(k) for k in HEAD_KEYS):
        return "head"
    return "backbone"


def count_parameters(model: nn.Module) -> dict[str, int]:
    """total, trainable, backbone, head, adapter (and trainable per group)."""
    seen: set[int] = set()
    out = {k: 0 for k in ("total", "trainable", "backbone", "head", "adapter",
                          "trainable_backbone", "trainable_head", "trainable_adapter")}
    for name, p in model.named_parameters(remove_duplicate=False):
        if "original_module" in name:
            continue
        key = p.data_ptr()
        if key in seen:
            continue
        seen.add(key)
        n = p.numel()
        g = _group(name)
        out[g] += n
        if p.requires_grad:
            out["trainable"] += n
            out[f"trainable_{g}"] += n
    out["total"] = out["backbone"] + out["head"]
    return out
