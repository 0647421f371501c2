"""``textbench tune CONFIG``: one run config's search, outside a study.

The search goes to ``<output.dir>/<name>-tuning/``: the Optuna storage (SQLite there by
default), one folder per trial, ``search.json`` and ``best.yaml``. The folder keeps the
config and space it searches (``searched.yaml``); a rerun continues the search, and a rerun
with a different config or space is refused instead of mixing two searches in one storage.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textbench.config.loader import load_yaml, to_dict
from textbench.config.mappings import differing_keys
from textbench.config.schema import RunConfig
from textbench.errors import ConfigError
from textbench.tuning.config import TuneConfig
from textbench.tuning.scratch_shape import parameter_budget
from textbench.tuning.search import ArmSearch, run_search
from textbench.tuning.space import arm_space
from textbench.utils.io import write_yaml_atomic

CONFIG_FILE = "searched.yaml"  # the config and space searched here (not a run config)


@dataclass
class SingleSearch:
    folder: Path
    summary: dict[str, Any]


def tuning_folder(cfg: RunConfig, name: str) -> Path:
    return Path(cfg.output.dir) / f"{name}-tuning"


def tune_config(cfg: RunConfig, tune: TuneConfig, name: str, space: dict[str, Any] | None = None) -> SingleSearch:
    """Search ``cfg`` with ``tune``'s budget; ``space`` (dotted key -> range) replaces default keys."""
    from textbench.data import prepare_data

    tune.validate("tune")
    folder = tuning_folder(cfg, name)
    params = arm_space(cfg, space, "tune.space")  # a bad space fails before anything is written
    _claim(folder, {**to_dict(cfg), "tune_space": {k: p.describe() for k, p in params.items()}})
    search = ArmSearch(name, cfg, params, folder, max_parameters=parameter_budget(cfg, tune.max_parameters))
    storage = tune.storage or f"sqlite:///{(folder / 'optuna.db').resolve()}"
    prepared = prepare_data(cfg.data)  # once for all trials; each trial run drops the test split
    return SingleSearch(folder, run_search(search, tune, storage, prepared=prepared))


def _claim(folder: Path, mine: dict[str, Any]) -> None:
    """The folder's stored config and space must be ``mine`` (a rerun continues); a new folder stores them."""
    stored = folder / CONFIG_FILE
    if stored.is_file():
        theirs = load_yaml(stored)
        if theirs != mine:
            keys = differing_keys(theirs, mine)
            raise ConfigError(f"{folder}: holds a search of another config or space (differs in {', '.join(keys[:5])});"
                              " give another --name, or delete the folder to start over")
        return
    folder.mkdir(parents=True, exist_ok=True)
    write_yaml_atomic(stored, mine)


def read_space(path: str | None) -> dict[str, Any] | None:
    """A YAML file of dotted keys -> ranges or choices (the ``tune.space.<arm>`` of a study)."""
    if path is None:
        return None
    raw = load_yaml(path)
    if not raw:
        raise ConfigError(f"{path}: empty search space")
    return raw
