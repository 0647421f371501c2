"""Stale runs: complete runs made with other settings than the study file now gives their arm."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textbench.errors import RunError
from textbench.report.collect import load_study_dir
from textbench.study.shared_tokenizers import shared_tokenizer_dir, with_shared_tokenizer


def _comparable(cfg: dict[str, Any], pretrained: bool = False) -> dict[str, Any]:
    """A run config without what the study sets per run (output, seed, the trackers' project, the
    pretraining link)."""
    skip = ("output", "seed", "tokenizer") if pretrained else ("output", "seed")
    out = {k: v for k, v in cfg.items() if k not in skip}
    if isinstance(out.get("train"), dict):
        out["train"] = {k: v for k, v in out["train"].items() if k not in ("seed", "project")}
    if isinstance(out.get("model"), dict):
        out["model"] = {k: v for k, v in out["model"].items() if k != "from_pretraining_run"}
    if isinstance(out.get("data"), dict):  # cross-validation: the study sets each run's fold
        out["data"] = {k: v for k, v in out["data"].items() if k != "cv_fold"}
    return out


def _with_defaults(cfg: dict[str, Any], baseline: bool) -> dict[str, Any]:
    """A stored run config read through today's config classes, so that a setting added since the
    run was made (at its default, which is what the run did) does not make it stale."""
    from textbench.baselines.config import BaselineRunConfig
    from textbench.config.loader import from_dict, to_dict
    from textbench.config.schema import RunConfig
    from textbench.errors import ConfigError

    try:
        return to_dict(from_dict(BaselineRunConfig if baseline else RunConfig, cfg))
    except (ConfigError, TypeError, ValueError):  # a setting removed or renamed since: compare as stored
        return cfg


def stale_run_dirs(study_dir: str | Path, settings: dict[str, dict[str, Any]] | None = None) -> list[tuple[Path, str]]:
    """(run folder, arm) of complete runs whose stored config differs from what study.yaml now asks for
    (or ``settings``, arm name -> settings, when the study file was edited since)."""
    try:
        sd = load_study_dir(study_dir)
    except RunError:
        return []
    out = []
    for arm in sd.arms:
        if arm.kind == "reference":
            continue
        current = settings.get(arm.name, arm.settings) if settings is not None else arm.settings
        want = with_shared_tokenizer(current, shared_tokenizer_dir(sd.dir, current))
        for run in arm.runs:
            pre = bool((run.config.get("model") or {}).get("from_pretraining_run"))
            if run.config and _comparable(_with_defaults(run.config, arm.kind == "baseline"), pre) != _comparable(
                    want, pre):
                out.append((run.dir, arm.name))
    return out


def stale_runs(study_dir: str | Path) -> list[str]:
    """Messages for the report: complete runs made with other settings than their arm's now."""
    return [f"{d} was made with other settings than the study now gives arm {arm!r}; it is not reported under"
            " them (rerun the study with --rerun-stale to train it again)" for d, arm in stale_run_dirs(study_dir)]


def set_aside(study_dir: Path, run_dir: Path) -> Path:
    """Move a stale run to ``<study>/stale/<arm>/<seed>[-N]/`` (kept, not deleted); returns where."""
    dest = Path(study_dir) / "stale" / run_dir.parent.name / run_dir.name
    i = 2
    while dest.exists():
        dest = dest.with_name(f"{run_dir.name}-{i}")
        i += 1
    dest.parent.mkdir(parents=True, exist_ok=True)
    run_dir.rename(dest)
    return dest
