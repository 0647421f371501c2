"""Wrap a classifier in a PEFT adapter of any kind: the targets checked, the head trained in full.

Every PEFT-backed method (LoRA, DoRA, IA3, LoHa, LoKr, VeRA, OFT, BOFT and the generic
``peft``) goes through ``wrap``: the head (``classifier``/``score``) is in
``modules_to_save``, so it trains and is saved with the adapter, and PEFT's errors about
the model become one-line config errors naming ``method.target_modules``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textbench.errors import ConfigError

if TYPE_CHECKING:
    from torch import nn


def targets_for(model: "nn.Module", wanted: list[str] | None) -> list[str]:
    """``wanted`` checked against the model, or the attention projections found automatically."""
    from textbench.methods.lora import check_target_modules, default_target_modules

    targets = list(wanted) if wanted is not None else default_target_modules(model)
    check_target_modules(model, targets)
    return targets


def wrap(model: "nn.Module", peft_config: Any) -> "nn.Module":
    """``get_peft_model`` for sequence classification, the head in ``modules_to_save``."""
    from peft import TaskType, get_peft_model

    from textbench.methods.model_parts import head_names, model_type

    peft_config.task_type = TaskType.SEQ_CLS
    if getattr(peft_config, "modules_to_save", None) is None:
        peft_config.modules_to_save = head_names(model)
    try:
        return get_peft_model(model, peft_config)
    except (ValueError, TypeError, NotImplementedError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        kind = peft_config.peft_type.value if hasattr(peft_config.peft_type, "value") else peft_config.peft_type
        targets = getattr(peft_config, "target_modules", None)
        where = "method.target_modules" if targets else "method"
        at = f" at {sorted(targets)}" if targets else ""
        raise ConfigError(f"{where}: PEFT cannot add {kind} to {model_type(model)}{at}: {first}") from None
