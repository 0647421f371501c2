"""A loaded study: resolved data and arms, the study folder's layout, and the list of runs.

Layout of ``<output_dir>/<name>/``:

- ``study.yaml``: the resolved study (every arm's complete settings), read by ``textbench report``
- ``data.json``: the data summary, statistics and text lengths for the report's data section
- ``configs/<arm>/seed-<seed>.yaml``: the config each run was started with
- ``prepared/<key>/``: each distinct data config, cleaned and split once (``key``: a hash of
  the settings and the data files' bytes); every run loads its data from here
- ``tokenizers/<key>/``: tokenizers trained once and shared by the runs that ask for them
- ``runs/<arm>/seed-<seed>/`` (``seed-<seed>-fold-<f>/`` with ``cv:``): ordinary run folders (baselines write the same files)
- ``pretrain/<arm>/seed-<seed>/``: MLM pretraining runs, where arms ask for them
- ``report.md``, ``report.html``, ``figures/*.png``
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textbench.config.loader import apply_overrides, load_dataclass, load_yaml, to_dict
from textbench.data.config import DataConfig
from textbench.errors import ConfigError
from textbench.runs.folder import replicate_name
from textbench.study.arms import ResolvedArm, resolve_arms, resolve_study_data
from textbench.study.config import StudyConfig, check_name, study_name

BUILTIN_DIR = Path(__file__).resolve().parent / "builtin"
STUDY_FILE = "study.yaml"
DATA_STORE = "prepared"  # <study>/prepared/<content key>/: each data config prepared once


def builtin_studies() -> list[str]:
    return sorted(p.stem for p in BUILTIN_DIR.glob("*.yaml"))


def builtin_study_path(name: str) -> Path:
    path = BUILTIN_DIR / f"{name}.yaml"
    if not path.is_file():
        raise ConfigError(f"unknown built-in study {name!r}; known: {', '.join(builtin_studies())}")
    return path


@dataclass
class PlannedRun:
    """One arm x seed."""

    arm: ResolvedArm
    seed: int
    study_dir: Path
    fold: int | None = None  # cross-validation: the fold this run validates on

    @property
    def key(self) -> str:
        return f"{self.arm.name}/{self.name}"

    @property
    def out_dir(self) -> Path:
        return self.study_dir / "runs" / self.arm.name

    @property
    def name(self) -> str:
        return replicate_name(self.seed, self.fold)

    @property
    def run_dir(self) -> Path:
        return self.out_dir / self.name

    @property
    def config_path(self) -> Path:
        return self.study_dir / "configs" / self.arm.name / f"{self.name}.yaml"

    @property
    def pretrain_dir(self) -> Path:
        return self.study_dir / "pretrain" / self.arm.name / self.name

    def config(self) -> Any:
        """The run's typed config; its trackers (train.report_to) group it under the study's name."""
        cfg = self.arm.run_config(self.seed, self.out_dir.resolve(), self.name)
        if self.fold is not None:
            cfg = dataclasses.replace(cfg, data=dataclasses.replace(cfg.data, cv_fold=self.fold))
        train = getattr(cfg, "train", None)
        if train is not None and train.report_to and not train.project:
            cfg = dataclasses.replace(cfg, train=dataclasses.replace(train, project=self.study_dir.name))
        return cfg


@dataclass
class Study:
    name: str
    path: Path | None
    cfg: StudyConfig
    data: DataConfig  # paths resolved
    arms: list[ResolvedArm]
    dir: Path

    @property
    def seeds(self) -> list[int]:
        return list(self.cfg.seeds)

    @property
    def folds(self) -> list[int | None]:
        return list(range(self.cfg.cv)) if self.cfg.cv else [None]

    def runs(self) -> list[PlannedRun]:
        """Every arm x seed (x fold) that trains, seed-major (a whole first seed comes first)."""
        return [PlannedRun(a, s, self.dir, f) for s in self.seeds for f in self.folds for a in self.arms
                if a.kind != "reference"]

    def to_dict(self) -> dict[str, Any]:
        """The resolved study saved as ``study.yaml`` (what ``textbench report`` reads)."""
        return {
            "name": self.name,
            "description": self.cfg.description,
            "data": to_dict(self.data),
            "seeds": self.seeds,
            "cv": self.cfg.cv,
            "report": to_dict(self.cfg.report),
            "arms": [a.to_dict() for a in self.arms],
        }


def with_data(raw: dict[str, Any], data: dict[str, Any], *, template: bool) -> dict[str, Any]:
    """The study file with the user's data (a path made absolute: it is the user's, not the file's)."""
    data = dict(data)
    source = str(data["source"])
    if not source.startswith(("builtin:", "hf:")):
        data["source"] = str(Path(source).expanduser().resolve())
    kept = {k: v for k, v in (raw.get("data") or {}).items() if k not in _READING_KEYS}  # caps, cleaning
    out = {**raw, "data": {**kept, **data}}
    if template:  # the built-in comparison on the user's data: name and describe it by the data
        stem = Path(source.rstrip("/")).name.split(".")[0] or "data"
        out["name"] = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem.replace(":", "-")).strip("-.") or "data"
        out["description"] = (f"The built-in comparison on {source}: two classic baselines, a small transformer"
                              " trained from scratch, and MiniLM-L6 as a linear probe, with LoRA and fully"
                              " fine-tuned (the quickstart's arms and budgets). " + _TEMPLATE_NOTE)
    return out


_READING_KEYS = ("source", "format", "train_file", "validation_file", "test_file", "hf_config_name", "hf_revision",
                 "text_column", "label_column", "label_names", "encoding", "multi_label", "label_delimiter",
                 "label_columns")
_TEMPLATE_NOTE = ("Budgets are the quickstart's (short epochs, a per-run time budget, a tiny search): a first"
                  " answer; write a study file (`textbench study --write-template`) for a real one.")


def load_study(path: str | Path | None = None, *, output_dir: str | Path | None = None,
               name: str | None = None, data: dict[str, Any] | None = None,
               overrides: list[str] | None = None) -> Study:
    """Read and validate a study file (default: the built-in quickstart); nothing runs.

    ``data`` (``source`` and column names) replaces the study's data: the user's own file in
    the built-in comparison (named after the file unless ``name``); ``overrides`` are
    ``key=value`` settings of the study file (``--set``). Every arm's run config is built and
    checked here, so bad input fails before training.
    """
    p = Path(path) if path is not None else builtin_study_path("quickstart")
    raw = load_yaml(p)
    if data is not None:
        raw = with_data(raw, data, template=path is None)
    raw = apply_overrides(raw, list(overrides or []))
    cfg = load_dataclass(StudyConfig, raw, p, overrides)
    base = p.resolve().parent
    data = resolve_study_data(cfg, base)
    arms = resolve_arms(cfg, data, base, str(p))
    the_name = name or study_name(cfg, p)
    check_name(f"{p}: name", the_name)
    out = Path(output_dir) if output_dir is not None else Path(cfg.output_dir)
    return Study(name=the_name, path=p, cfg=cfg, data=data, arms=arms, dir=out / the_name)


def write_template(path: Path, data: dict[str, Any] | None) -> Path:
    """A commented study file to edit: the built-in comparison, on ``data`` when given."""
    text = builtin_study_path("quickstart").read_text(encoding="utf-8")
    if data is not None:
        raw = with_data({}, data, template=True)
        lines = "".join(f"  {k}: {json.dumps(v)}\n" for k, v in raw["data"].items())
        text = text.replace("data:\n  source: builtin:tweets-sentiment\n", f"data:\n{lines}", 1)
        text = re.sub(r"(?m)^name: quickstart$", f"name: {raw['name']}", text, count=1)
    header = ("# A study file to edit (textbench study --write-template). Every key is described in\n"
              "# docs/study-file.md; run it with: textbench study " + str(path) + "\n")
    if path.exists():
        raise ConfigError(f"{path}: exists; choose another file name for the template")
    path.write_text(header + text, encoding="utf-8")
    return path
