"""Read a study folder: the resolved study, the data facts, and every stored run.

Only files are read (``study.yaml``, ``data.json``, run folders), so the report can
be rebuilt anywhere, any time, from what the runs left.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from textbench.errors import RunError
from textbench.runs.folder import replicate_name
from textbench.runs.records import (PRETRAIN_METRICS, REFERENCE_METRICS, STATUS_COMPLETE, TEST_METRICS, Cost,
                                    Manifest, TestMetrics, read_manifest, read_test_metrics)
from textbench.utils.io import read_json

QUALITY = ("accuracy", "macro_f1", "balanced_accuracy", "mcc")
# multi-label studies: accuracy is subset accuracy; micro-F1 and Hamming loss are the field's usual figures
QUALITY_MULTI_LABEL = ("accuracy", "macro_f1", "micro_f1", "hamming_loss")


def _read_json(path: Path) -> Any:
    try:
        return read_json(path)
    except (OSError, ValueError):
        return None


@dataclass
class RunData:
    """One stored run (complete or not)."""

    arm: str
    seed: int
    dir: Path
    status: str | None
    manifest: Manifest
    metrics: TestMetrics | None  # test_metrics.json (or reference metrics for reference arms)
    fold: int | None = None  # cross-validation: the fold the run validated on

    @property
    def replicate(self) -> str:
        """``seed 1``, or ``seed 1, fold 2`` under cross-validation (for legends and tables)."""
        return f"seed {self.seed}" if self.fold is None else f"seed {self.seed}, fold {self.fold}"

    @cached_property
    def config(self) -> dict[str, Any]:
        try:
            return yaml.safe_load((self.dir / "config.yaml").read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            return {}

    @cached_property
    def pretrain_seconds(self) -> float | None:
        """The training time of the MLM pretraining run this run started from, if any."""
        pre = (self.config.get("model") or {}).get("from_pretraining_run")
        seconds = (_read_json(Path(pre) / PRETRAIN_METRICS) or {}).get("train_seconds") if pre else None
        return float(seconds) if isinstance(seconds, (int, float)) else None

    @cached_property
    def history(self) -> list[dict[str, Any]]:
        return _read_json(self.dir / "trainer_log.json") or []

    @cached_property
    def predictions(self) -> tuple[np.ndarray, np.ndarray] | None:
        from textbench.runs.artifacts import read_predictions_csv

        path = self.dir / "test_predictions.csv"
        if not path.is_file():
            return None
        labels, preds = read_predictions_csv(path)
        return np.asarray(labels), np.asarray(preds)

    @property
    def cost(self) -> Cost:
        return self.metrics.cost if self.metrics else Cost()

    @property
    def train_rows(self) -> int | None:
        return self.manifest.data.train_rows if self.manifest.data else None


@dataclass
class ArmData:
    """One arm of the study with its complete runs."""

    name: str
    group: str
    kind: str
    label: str
    settings: dict[str, Any]
    params: dict[str, Any]
    description: str | None = None
    reference: str | None = None
    runs: list[RunData] = field(default_factory=list)  # complete, in seed (then fold) order
    missing: list[str] = field(default_factory=list)  # runs without a complete run folder: "seed-1" (or "seed-1-fold-0")
    failed: list[str] = field(default_factory=list)  # "seed-1: status failed"

    def values(self, key: str) -> list[float]:
        return [float(r.metrics[key]) for r in self.runs if r.metrics and r.metrics.get(key) is not None]

    def cost_values(self, name: str, *path: str) -> list[float]:
        """``Cost.name`` (then keys ``path`` into it) of each run that recorded it."""
        out = []
        for r in self.runs:
            node: Any = getattr(r.cost, name, None)
            if node is None:
                node = r.cost.extra.get(name)
            for p in path:
                node = node.get(p) if isinstance(node, dict) else None
            if isinstance(node, (int, float)) and not isinstance(node, bool):
                out.append(float(node))
        return out

    @property
    def has_predictions(self) -> bool:
        return bool(self.runs) and all(r.predictions is not None for r in self.runs)


@dataclass
class StudyData:
    dir: Path
    name: str
    description: str | None
    seeds: list[int]
    report: dict[str, Any]
    cv: int | None
    arms: list[ArmData]
    data: dict[str, Any] | None
    notes: list[str]
    study: dict[str, Any]

    def arm(self, name: str) -> ArmData:
        return next(a for a in self.arms if a.name == name)

    @property
    def multi_label(self) -> bool:
        """The runs classify multi-label data (several labels per text)."""
        return any(r.metrics and r.metrics.get("multi_label") for a in self.arms for r in a.runs)

    @property
    def quality_keys(self) -> tuple[str, ...]:
        """The quality columns of the results table."""
        return QUALITY_MULTI_LABEL if self.multi_label else QUALITY


def _run(study_dir: Path, arm: str, seed: int, metrics_file: str = TEST_METRICS, fold: int | None = None) -> RunData:
    d = study_dir / "runs" / arm / replicate_name(seed, fold)
    manifest = read_manifest(d)
    status = manifest.status if manifest else None
    metrics = read_test_metrics(d, metrics_file) if status == STATUS_COMPLETE else None
    return RunData(arm, seed, d, status, manifest or Manifest(), metrics, fold)


def load_study_dir(study_dir: str | Path) -> StudyData:
    """Everything the report needs, from files only."""
    study_dir = Path(study_dir)
    path = study_dir / "study.yaml"
    if not path.is_file():
        raise RunError(f"{study_dir}: not a study folder (no study.yaml); make one with `textbench study FILE`")
    try:
        study = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as e:
        raise RunError(f"{path}: unreadable study file ({str(e).splitlines()[0]})") from None
    seeds = [int(s) for s in study.get("seeds") or []]
    cv = int(study["cv"]) if study.get("cv") else None
    replicates = [(seed, fold) for seed in seeds for fold in (range(cv) if cv else [None])]
    arms = []
    for a in study.get("arms") or []:
        arm = ArmData(name=a["name"], group=a.get("group", a["name"]), kind=a["kind"], label=a.get("label", a["name"]),
                      settings=a.get("settings") or {}, params=a.get("params") or {},
                      description=a.get("description"), reference=a.get("reference"))
        source = arm.reference if arm.kind == "reference" else arm.name
        metrics_file = REFERENCE_METRICS if arm.kind == "reference" else TEST_METRICS
        for seed, fold in replicates:
            run = _run(study_dir, source, seed, metrics_file, fold)
            if run.status == STATUS_COMPLETE and run.metrics is not None:
                if arm.kind == "reference":  # the pretrained model before training: no cost of its own
                    run = RunData(arm.name, seed, run.dir, run.status, run.manifest,
                                  TestMetrics(scores=run.metrics.scores), fold)
                arm.runs.append(run)
            else:
                arm.missing.append(replicate_name(seed, fold))
                if run.status not in (None, STATUS_COMPLETE):
                    arm.failed.append(f"{replicate_name(seed, fold)}: {run.status}")
        arms.append(arm)
    data = _read_json(study_dir / "data.json")
    return StudyData(dir=study_dir, name=study.get("name", study_dir.name), description=study.get("description"),
                     seeds=seeds, report=study.get("report") or {}, cv=cv, arms=arms, data=data,
                     notes=list(study.get("notes") or []), study=study)
