"""One arm's search: Optuna trials, each a validation-only run through the run engine.

Trials go to ``<folder>/trial-<n>/`` (ordinary run folders whose result is
``validation_metrics.json``; they never see the test split). The search lives in an
Optuna storage (SQLite in the study folder by default): a rerun after a kill continues
it, trials that finished are never redone, and several workers may share one storage.
Killed trials are failed by Optuna's heartbeat and do not count against the budget.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import time
import warnings
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textbench.config.loader import from_dict, to_dict
from textbench.config.mappings import deep_merge
from textbench.config.schema import RunConfig
from textbench.errors import ConfigError, DataError, ModelError, RunDiverged
from textbench.evaluation.names import LOWER_IS_BETTER
from textbench.tuning.config import TuneConfig
from textbench.tuning.scratch_shape import scale_feed_forward, scratch_parameters
from textbench.tuning.space import Param, nest_values
from textbench.utils.io import write_json_atomic, write_yaml_atomic

log = logging.getLogger("textbench")
TUNING_DIR = "tuning"  # <study>/tuning/: the storage and one folder of trials per arm
SEARCH_FILE = "search.json"
BEST_FILE = "best.yaml"
HEARTBEAT_SECONDS = 20


@dataclass
class ArmSearch:
    """What one arm searches: its config, the space, where the trials go."""

    arm: str
    base: RunConfig  # the arm's config (its first seed); trials change the searched keys only
    space: dict[str, Param]
    folder: Path  # <study>/tuning/<arm>/
    max_parameters: int | None = None  # from-scratch arms: a trial building a larger model is refused

    @property
    def metric(self) -> str:
        return self.base.train.metric_for_best_model

    @property
    def direction(self) -> str:
        return "minimize" if self.metric in LOWER_IS_BETTER else "maximize"

    def trial_config(self, values: dict[str, Any], number: int) -> RunConfig:
        """The arm's config with the trial's ``values``, checked like any run config."""
        raw = deep_merge(to_dict(self.base), nest_values(scale_feed_forward(self.base, values)))
        raw["output"] = {"dir": str(self.folder), "name": f"trial-{number}", "if_exists": "error"}
        return from_dict(RunConfig, raw)

    def best_config(self, values: dict[str, Any]) -> RunConfig:
        cfg = self.trial_config(values, 0)
        return dataclasses.replace(cfg, output=self.base.output)


def storage_url(tune: TuneConfig, study_dir: Path) -> str:
    if tune.storage:
        return tune.storage
    path = (Path(study_dir) / TUNING_DIR / "optuna.db").resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def _optuna_study(search: ArmSearch, tune: TuneConfig, storage: str) -> Any:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)  # heartbeats
    seed = zlib.crc32(search.arm.encode())  # stable per arm
    sampler = (optuna.samplers.TPESampler(seed=seed, n_startup_trials=tune.startup_trials)
               if tune.sampler == "tpe" else optuna.samplers.RandomSampler(seed=seed))
    # no pruning on the first epoch: schedules of different lengths are not comparable that early
    pruner = (optuna.pruners.MedianPruner(n_startup_trials=tune.startup_trials, n_warmup_steps=2)
              if tune.pruner == "median" else optuna.pruners.NopPruner())
    from sqlalchemy.exc import SQLAlchemyError

    for attempt in range(5):  # workers starting together race to create the storage's tables
        try:
            rdb = optuna.storages.RDBStorage(storage, heartbeat_interval=HEARTBEAT_SECONDS,
                                             grace_period=3 * HEARTBEAT_SECONDS)
            return optuna.create_study(study_name=search.arm, storage=rdb, direction=search.direction,
                                       sampler=sampler, pruner=pruner, load_if_exists=True)
        except SQLAlchemyError:
            if attempt == 4:
                raise
            time.sleep(0.5 + random.random())
    raise AssertionError("unreachable")


def counted(study: Any) -> int:
    """Trials that count against the budget: complete and pruned ones (not those refused untrained)."""
    from optuna.trial import TrialState

    return sum(1 for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE, TrialState.PRUNED))
               if "over_budget" not in t.user_attrs)


def over_budget(study: Any) -> int:
    return sum(1 for t in study.get_trials(deepcopy=False) if "over_budget" in t.user_attrs)


def run_search(search: ArmSearch, tune: TuneConfig, storage: str, prepared: Any = None) -> dict[str, Any]:
    """Run trials until the arm's budget is used; returns (and writes) the search summary."""
    import optuna
    from optuna.trial import TrialState

    study = _optuna_study(search, tune, storage)
    optuna.storages.fail_stale_trials(study)  # trials of a killed process: failed, not counted
    search.folder.mkdir(parents=True, exist_ok=True)
    spent = _seconds_spent(study)
    budget_s = tune.max_minutes * 60 if tune.max_minutes else None

    def stop_when_done(study: Any, trial: Any) -> None:
        failed = len(study.get_trials(deepcopy=False, states=(TrialState.FAIL,)))
        over_time = budget_s is not None and _seconds_spent(study) >= budget_s
        refused = over_budget(study) > 10 * tune.trials  # a budget almost no shape fits
        if counted(study) >= tune.trials or over_time or failed > tune.trials or refused:
            study.stop()

    if counted(study) < tune.trials and (budget_s is None or spent < budget_s):
        # a setting the model or data refuses fails its trial; anything else (Ctrl-C, a full disk, a
        # run folder in the way) stops the search, which a rerun continues
        study.optimize(lambda trial: _objective(search, trial, prepared), callbacks=[stop_when_done],
                       catch=(ConfigError, DataError, ModelError), gc_after_trial=True,
                       timeout=None if budget_s is None else max(budget_s - spent, 1.0))
    return write_summary(search, study, tune)


def _objective(search: ArmSearch, trial: Any, prepared: Any) -> float:
    import optuna

    from textbench.runs.kinds import run_kind
    from textbench.tuning.pruning import PruningCallback

    values = {key: p.suggest(trial) for key, p in search.space.items()}
    try:
        cfg = search.trial_config(values, trial.number)
    except ConfigError as e:
        raise ConfigError(f"tune.space of arm {search.arm!r} gave an invalid config: {e}") from None
    if search.max_parameters is not None:
        n = scratch_parameters(cfg)
        if n > search.max_parameters:
            trial.set_user_attr("over_budget", n)
            raise optuna.TrialPruned()
    pruning = PruningCallback(trial, search.metric)
    started = time.perf_counter()
    try:
        result = run_kind("trial").run(cfg, quiet=True, prepared=prepared, callbacks=[pruning])
    except RunDiverged as e:  # a diverging setting: a bad trial, stopped early like a pruned one
        trial.set_user_attr("seconds", round(time.perf_counter() - started, 2))
        trial.set_user_attr("diverged", str(e))
        raise optuna.TrialPruned() from None
    trial.set_user_attr("seconds", round(time.perf_counter() - started, 2))
    trial.set_user_attr("run_dir", str(result.run_dir))
    trial.set_user_attr("epochs", result.test_metrics["cost"].get("epochs_completed"))
    if pruning.pruned:
        raise optuna.TrialPruned()
    return float(result.test_metrics[search.metric])


def _seconds_spent(study: Any) -> float:
    return float(sum(t.user_attrs.get("seconds", 0.0) for t in study.get_trials(deepcopy=False)))


def write_summary(search: ArmSearch, study: Any, tune: TuneConfig) -> dict[str, Any]:
    """``search.json`` (what the report reads) and ``best.yaml`` (the arm's best config, ready to run)."""
    from optuna.trial import TrialState

    trials = [{"number": t.number, "state": "over budget" if "over_budget" in t.user_attrs else t.state.name.lower(),
               "value": t.value, "params": t.params,
               "seconds": t.user_attrs.get("seconds"), "epochs": t.user_attrs.get("epochs")}
              for t in study.get_trials(deepcopy=False)]
    complete = [t for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))]
    best = study.best_trial if complete else None
    summary = {
        "arm": search.arm, "metric": search.metric, "direction": search.direction,
        "budget": {"trials": tune.trials, "max_minutes": tune.max_minutes, "max_parameters": search.max_parameters},
        "counted_trials": counted(study), "seconds": round(_seconds_spent(study), 2),
        "space": {k: p.describe() for k, p in search.space.items()},
        "trials": trials,
        "best": {"number": best.number, "value": best.value, "params": best.params} if best else None,
        "importance": _importance(study) if len(complete) >= 3 else None,
    }
    write_json_atomic(search.folder / SEARCH_FILE, summary)
    if best is not None:
        write_yaml_atomic(search.folder / BEST_FILE, to_dict(search.best_config(best.params)))
    return summary


def _importance(study: Any) -> dict[str, float] | None:
    """Each searched setting's importance by Optuna's default evaluator, or None when it cannot tell."""
    import optuna

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "importances will be equal" on a handful of trials
            return {k: round(float(v), 3) for k, v in optuna.importance.get_param_importances(study).items()}
    except (RuntimeError, ValueError, ZeroDivisionError):
        return None
