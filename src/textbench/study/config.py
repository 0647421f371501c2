"""Study files: the data once, a list of arms, seeds and shared settings (strict YAML).

```yaml
name: my-study                 # default: the file's name
description: One paragraph shown at the top of the report.
data: {source: ../data/}       # a data section, used by every arm (paths relative to this file)
seeds: [1, 2, 3]
shared: {train: {epochs: 5}}   # partial run config under every model arm (arms override it)
baselines: [majority, tfidf]   # classic baselines, added as arms (default: both)
output_dir: studies            # the study folder is <output_dir>/<name>/
report: {metric: macro_f1, alpha: 0.05}
tune: {trials: 8}              # optional: search every model arm with the same budget first
resources: {num_cpus: 2}       # optional: what each run asks of a Ray cluster (--executor ray)
cv: 5                          # optional: 5-fold cross-validation over train + validation (small data)
arms:
  - name: scratch
    config: ../scratch-encoder.yaml   # a run config (relative to this file); optional
    set: {train.epochs: 8}            # dotted keys or nested mappings
    sweep: {method.r: [4, 8]}         # grid (cartesian product), or a list of paired settings
```
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from textbench.data.config import DataConfig
from textbench.errors import ConfigError
from textbench.study.resources import ResourcesConfig
from textbench.tuning.config import TuneConfig

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$")


def check_name(where: str, name: str) -> None:
    if not NAME_RE.match(name):
        raise ConfigError(
            f"{where}: {name!r} is not a usable name (letters, digits, '.', '_', '+', '-';"
            " starting with a letter or digit; at most 100 characters)"
        )


@dataclass
class ArmConfig:
    """One arm: a run config (file and/or settings), a classic baseline, or a reference row."""

    name: str  # unique in the study; its runs go to runs/<name>/seed-<seed>/
    description: str | None = None  # shown in the report's setup table
    config: str | None = None  # run config YAML, relative to the study file
    set: dict[str, Any] = field(default_factory=dict)  # dotted keys or nested mappings
    sweep: dict[str, list[Any]] | list[dict[str, Any]] | None = None  # a grid {key: [values]} or a list of settings
    baseline: Literal["majority", "tfidf"] | None = None  # a classic baseline instead of a model
    reference: str | None = None  # before-training metrics of that (pretrained) arm; nothing runs
    pretrain: dict[str, Any] | None = None  # MLM pretraining first (passed on to `textbench pretrain`)
    resources: ResourcesConfig | None = None  # what each run asks of a cluster node (--executor ray)

    def validate(self, where: str) -> None:
        check_name(f"{where}.name", self.name)
        if self.resources is not None:
            self.resources.validate(f"{where}.resources")
        if self.reference is not None:
            extra = [k for k in ("config", "sweep", "baseline", "pretrain") if getattr(self, k)]
            if extra or self.set:
                raise ConfigError(f"{where}: a reference arm takes no other settings (got {', '.join(extra or ['set'])})")
        if self.baseline is not None and (self.config or self.pretrain):
            raise ConfigError(f"{where}: a baseline arm takes no run config or pretrain block")
        if isinstance(self.sweep, dict):
            for key, values in self.sweep.items():
                if not values:
                    raise ConfigError(f"{where}.sweep.{key}: empty list of values")
        elif isinstance(self.sweep, list):
            if not self.sweep:
                raise ConfigError(f"{where}.sweep: empty list of settings")
            for i, item in enumerate(self.sweep):
                if not item or not isinstance(item, dict):
                    raise ConfigError(f"{where}.sweep[{i}]: expected a mapping of settings, got {item!r}")


@dataclass
class ReportConfig:
    """How the report compares arms."""

    metric: str = "macro_f1"  # picks the best arm and is the quantity the bootstrap compares
    alpha: float = 0.05  # significance level (after Holm's correction)
    bootstrap_samples: int = 2000  # resamples of the paired bootstrap
    per_arm_figures: bool = True  # one learning-curve figure per arm besides the combined one

    def validate(self, where: str) -> None:
        if self.metric not in ("macro_f1", "accuracy"):
            raise ConfigError(f"{where}.metric: the report compares 'macro_f1' or 'accuracy', got {self.metric!r}")
        if not 0 < self.alpha < 1:
            raise ConfigError(f"{where}.alpha: must be in (0, 1), got {self.alpha}")
        if self.bootstrap_samples < 100:
            raise ConfigError(f"{where}.bootstrap_samples: must be >= 100, got {self.bootstrap_samples}")


@dataclass
class StudyConfig:
    """A whole study file."""

    arms: list[ArmConfig] = field(default_factory=list)  # the model arms (see below); baselines come first
    name: str | None = None  # the study folder's name (default: the file's name)
    description: str | None = None  # one paragraph at the top of the report
    data: DataConfig = field(default_factory=DataConfig)  # the data every arm sees (a run config's data: section)
    seeds: list[int] = field(default_factory=lambda: [42])  # every arm trains once per seed
    shared: dict[str, Any] = field(default_factory=dict)  # run-config settings under every model arm
    baselines: list[Literal["majority", "tfidf"]] = field(default_factory=lambda: ["majority", "tfidf"])  # added as arms
    output_dir: str = "studies"  # the study folder is <output_dir>/<name>/
    report: ReportConfig = field(default_factory=ReportConfig)  # how the report compares arms
    tune: TuneConfig | None = None  # a search per model arm, equal budgets (see textbench.tuning)
    resources: ResourcesConfig | None = None  # what each run asks of a cluster node (--executor ray; arms override)
    cv: int | None = None  # K-fold cross-validation: every arm x seed on each of K folds of train + validation

    def validate(self, where: str) -> None:
        pre = "" if where == "config" else f"{where}."
        if self.name is not None:
            check_name(f"{pre}name", self.name)
        if not self.seeds:
            raise ConfigError(f"{pre}seeds: needs at least one seed")
        if len(set(self.seeds)) != len(self.seeds):
            raise ConfigError(f"{pre}seeds: repeated seeds {self.seeds}")
        from textbench.config.schema import check_seed

        for seed in self.seeds:
            check_seed(f"{pre}seeds", seed)
        if len(set(self.baselines)) != len(self.baselines):
            raise ConfigError(f"{pre}baselines: repeated entries {self.baselines}")
        for key in ("data", "output"):
            if key in self.shared:
                where_set = "the study's data section" if key == "data" else "the study (output_dir)"
                raise ConfigError(f"{pre}shared.{key}: not allowed here; {key} is set by {where_set}")
        if self.resources is not None:
            self.resources.validate(f"{pre}resources")
        if self.cv is not None and self.cv < 2:
            raise ConfigError(f"{pre}cv: cross-validation needs at least 2 folds, got {self.cv}")
        if self.cv is not None and self.data.train_on_validation:
            raise ConfigError(f"{pre}cv: the folds are cut from train + validation; drop data.train_on_validation")
        if not self.arms and not self.baselines:
            raise ConfigError(f"{pre}arms: the study has no arms")


def study_name(cfg: StudyConfig, path: Path | None) -> str:
    return cfg.name or (path.stem if path is not None else "study")
