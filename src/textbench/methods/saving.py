"""Save and reload trained models so predictions after reload equal those at the end of training."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textbench.config.schema import MethodConfig


def save_trained_model(model: Any, out: Path, method: MethodConfig) -> None:
    """``save_pretrained`` (safetensors); PEFT models save the adapter plus trained head."""
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True)


def load_adapter_model(model_dir: Path) -> Any:
    """Reload a PEFT adapter run (base weights + adapter + trained head)."""
    from peft import AutoPeftModelForSequenceClassification

    return AutoPeftModelForSequenceClassification.from_pretrained(model_dir)
