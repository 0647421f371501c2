"""Stale runs: complete runs made with other settings than the study file now gives their arm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textbench.errors import RunError
from textbench.report.collect import load_study_dir
from textbench.study.shared_tokenizers import shared_tokenizer_dir, with_shared_tokenizer


def _comparable(cfg: dict[str, Any], pretrained: bool = False) -> dict[str, Any]:
    """A run config without what the study sets per run (output, seed, the pretraining link)."""
    skip = ("output", "seed", "tokenizer") if pretrained else ("output", "seed")
    out = {k: v for k, v in cfg.items() if k not in skip}
    if isinstance(out.get("train"), dict):
        out["train"] = {k: v for k, v in out["train"].items() if k != "seed"}
    if isinstance(out.get("model"), dict):
        out["model"] = {k: v for k, v in out["model"].items() if k != "from_pretraining_run"}
    return out


def stale_runs(study_dir: str | Path) -> list[str]:
    """Complete runs whose stored config differs from what study.yaml now asks for."""
    try:
        sd = load_study_dir(study_dir)
    except RunError:
        return []
    out = []
    for arm in sd.arms:
        if arm.kind == "reference":
            continue
        want = with_shared_tokenizer(arm.settings, shared_tokenizer_dir(sd.dir, arm.settings))
        for run in arm.runs:
            pre = bool((run.config.get("model") or {}).get("from_pretraining_run"))
            if run.config and _comparable(run.config, pre) != _comparable(want, pre):
                out.append(f"{run.dir} was made with other settings than the study now gives arm {arm.name!r};"
                           " delete the folder to redo it")
    return out
