"""A run's folder name when its config gives none, per run kind (no torch: the CLI checks the
folder before training code loads)."""

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
