"""Per run kind, without torch (the CLI checks the run folder before training code loads): the
folder's name when the config gives none, and what a resume must match."""

from __future__ import annotations

from typing import Any


def finetune_run_name(cfg: Any) -> str:
    """``scratch-<kind>-<attention>`` for a model built from scratch, else ``<model>-<method>``."""
    if cfg.model.kind == "scratch":
        arch = cfg.model.architecture
        return f"scratch-{arch.get('kind', 'encoder')}-{arch.get('attention_type', 'mha')}"
    base = cfg.model.name_or_path.rstrip("/").split("/")[-1].replace("builtin:", "")
    return f"{base}-{cfg.method.name}"


def pretrain_run_name(cfg: Any) -> str:
    return f"pretrain-{cfg.model.architecture.get('kind', 'encoder')}"


def baseline_run_name(cfg: Any) -> str:
    return str(cfg.baseline.name)


# config sections a resumed run must share with the one it continues (the rest: output, paths)
FINETUNE_RESUME_SECTIONS = ("data", "tokenizer", "model", "method", "train")
PRETRAIN_RESUME_SECTIONS = ("data", "tokenizer", "model", "mlm", "train")
FINETUNE_RESUME_COMMAND = "textbench train CONFIG --resume"
PRETRAIN_RESUME_COMMAND = "textbench pretrain CONFIG --resume"
BASELINE_RESUME_COMMAND = "textbench baseline CONFIG --resume"
