"""Parameter accounting, one for every model and method (the run reports and the model family use it).

``total`` counts the model's own weights (backbone + head), so a LoRA run and a
full run of the same model report the same total; adapter weights (LoRA ``lora_*``, the
other PEFT adapters', prefix ``prompt_encoder``) are counted apart. PEFT names are understood: the
``base_model.model.`` prefix, a LoRA layer's ``base_layer``, the head's trained
copy under ``modules_to_save`` (counted as head) and its frozen ``original_module``
(skipped); tied weights are counted once.
"""

from __future__ import annotations

from torch import nn

HEAD_KEYS = ("classifier", "score", "lm_head", "cls.predictions")
HEAD_COMPONENTS = frozenset({"classifier", "pre_classifier", "score", "lm_head"})
# a name part starting with one of these is a PEFT adapter's: LoRA/DoRA/AdaLoRA, IA3, LoHa, LoKr,
# VeRA, OFT, BOFT, prefix tuning (AdaLoRA's rank counter: ranknum)
ADAPTER_KEYS = ("lora_", "ranknum", "ia3_", "hada_", "lokr_", "vera_", "oft_", "boft_", "prompt_encoder",
                "prefix_encoder")


def adapter_keys(model: nn.Module) -> tuple[str, ...]:
    """ADAPTER_KEYS and the name prefix of the model's own PEFT tuner (any type, e.g. ``hra_``)."""
    prefix = getattr(getattr(model, "base_model", None), "prefix", None)
    return ADAPTER_KEYS + ((prefix,) if isinstance(prefix, str) and prefix else ())


def is_adapter(name: str, keys: tuple[str, ...] = ADAPTER_KEYS) -> bool:
    """True for a PEFT adapter's parameter or buffer (``...query.lora_A.default.weight``)."""
    return any(part.startswith(keys) for part in name.split("."))


def param_group(name: str, keys: tuple[str, ...] = ADAPTER_KEYS) -> str:
    """``adapter``, ``head`` or ``backbone`` for a parameter name (PEFT-wrapped or not)."""
    if is_adapter(name, keys):
        return "adapter"
    parts = name.split(".")
    if HEAD_COMPONENTS.intersection(parts) or "cls.predictions." in name:
        return "head"
    return "backbone"


EMBEDDING_PARTS = frozenset({"embeddings", "embed_tokens", "wte", "wpe", "embed_positions", "word_embeddings"})


def count_parameters(model: nn.Module) -> dict[str, int]:
    """total, trainable, backbone (= embeddings + body), head, adapter, and trainable per group."""
    seen: set[int] = set()
    keys = adapter_keys(model)
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
        g = param_group(name, keys)
        out[g] += n
        if g == "backbone":
            out["embeddings" if EMBEDDING_PARTS.intersection(name.split(".")) else "body"] += n
        if p.requires_grad:
            out["trainable"] += n
            out[f"trainable_{g}"] += n
    out["total"] = out["backbone"] + out["head"]
    return out
