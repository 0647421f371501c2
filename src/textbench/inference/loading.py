"""Reload the trained model of a run folder, whatever method trained it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textbench.errors import RunError, TextbenchError

MODEL_DIR = "model"


def load_run_model(run_dir: Path, *, device: str | None = None) -> tuple[Any, Any, dict[str, Any]]:
    """Returns (model in eval mode, tokenizer, resolved run config as a dict)."""
    import torch
    import yaml
    from transformers import AutoTokenizer

    import textbench.models  # noqa: F401  (registers our model classes with the Auto API)

    run_dir = Path(run_dir)
    model_dir = run_dir / MODEL_DIR
    if not (run_dir / "config.yaml").is_file():
        raise RunError(f"{run_dir}: not a textbench run folder (no config.yaml)")
    if not model_dir.is_dir():
        raise RunError(f"{run_dir}: the run has no saved model (did it finish? see manifest.json)")
    with open(run_dir / "config.yaml", encoding="utf-8") as f:
        cfg = yaml.safe_load(f) or {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        from textbench.methods.saving import load_trained_model

        model = load_trained_model(model_dir)  # adapter, probe head or plain model
    except TextbenchError:
        raise
    except Exception as e:  # OSError, ValueError, SafetensorError (a corrupt file), ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RunError(
            f"{model_dir}: cannot load the saved model ({type(e).__name__}: {first});"
            " the files may be corrupt or incomplete"
        ) from None
    model.eval()
    dev = device or ("cuda" if torch.cuda.is_available() else "cpu")
    model.to(dev)
    return model, tokenizer, cfg
