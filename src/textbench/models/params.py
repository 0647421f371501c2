"""Parameter counts split into embeddings / body / head (tied weights counted once)."""

from __future__ import annotations

from torch import nn

HEAD_MODULES = ("classifier", "lm_head")


def count_parameters(model: nn.Module) -> dict[str, int]:
    """Counts ``total``, ``trainable``, ``embeddings``, ``body`` and ``head`` parameters.

    ``head`` is the task head (``classifier`` / ``lm_head``), ``embeddings`` any
    module named ``embeddings``, ``body`` the rest. A tensor shared by several
    modules (tied LM weights) counts once, under the first name that reaches it
    (the embeddings, for tied LM heads). PEFT wrappers work too: names are
    matched anywhere in the path.
    """
    counts = {"total": 0, "trainable": 0, "embeddings": 0, "body": 0, "head": 0}
    for name, param in model.named_parameters():  # shared tensors are yielded once
        n = param.numel()
        counts["total"] += n
        if param.requires_grad:
            counts["trainable"] += n
        parts = name.split(".")
        if any(p in HEAD_MODULES for p in parts):
            counts["head"] += n
        elif "embeddings" in parts:
            counts["embeddings"] += n
        else:
            counts["body"] += n
    return counts
