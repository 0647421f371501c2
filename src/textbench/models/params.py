"""Parameter accounting, one for every model and method (the run reports and the model family use it).

``total`` counts the model's own weights (backbone + head), so a LoRA run and a
full run of the same model report the same total; adapter weights (LoRA ``lora_*``,
prefix ``prompt_encoder``) are counted apart. PEFT names are understood: the
``base_model.model.`` prefix, a LoRA layer's ``base_layer``, the head's trained
copy under ``modules_to_save`` (counted as head) and its frozen ``original_module``
(skipped); tied weights are counted once.
"""

from __future__ import annotations

from torch import nn

HEAD_KEYS = ("classifier", "score", "lm_head", "cls.predictions")
HEAD_COMPONENTS = frozenset({"classifier", "pre_classifier", "score", "lm_head"})
ADAPTER_KEYS = ("lora_", "prompt_encoder", "prefix_encoder")


def param_group(name: str) -> str:
    """``adapter``, ``head`` or ``backbone`` for a parameter name (PEFT-wrapped or not)."""
    if any(k in name for k in ADAPTER_KEYS):
        return "adapter"
    parts = name.split(".")
    if HEAD_COMPONENTS.intersection(parts) or "cls.predictions." in name:
        return "head"
    return "backbone"


EMBEDDING_PARTS = frozenset({"embeddings", "embed_tokens", "wte", "wpe", "embed_positions", "word_embeddings"})


def count_parameters(model: nn.Module) -> dict[str, int]:
    """total, trainable, backbone (= embeddings + body), head, adapter, and trainable per group."""
    seen: set[int] = set()
    out = {k: 0 for k in ("total", "trainable", "backbone", "embeddings", "body", "head", "adapter",
                          "trainable_backbone", "trainable_head", "trainable_adapter")}
    for name, p in model.named_parameters(remove_duplicate=False):
        if "original_module" in name:
            continue  # PEFT's frozen copy of a head that trains under modules_to_save
        key = p.data_ptr()
        if key in seen:
            continue
        seen.add(key)
        n = p.numel()
        g = param_group(name)
        out[g] += n
        if g == "backbone":
            out["embeddings" if EMBEDDING_PARTS.intersection(name.split(".")) else "body"] += n
        if p.requires_grad:
            out["trainable"] += n
            out[f"trainable_{g}"] += n
    out["total"] = out["backbone"] + out["head"]
    return out
