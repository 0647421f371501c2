"""The study's tuning stage: search each model arm with the same budget, then train its best config.

Runs before the confirmation runs (the arms x seeds of the results table): each tuned
arm's config becomes the best trial's, and only the confirmation runs enter the results
and significance tests. An arm's trials run one after another (in this process, or in one
Ray task per arm with ``--executor ray``).
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from textbench.study.arms import ResolvedArm
from textbench.study.plan import DATA_STORE, Study
from textbench.study.shared_tokenizers import shared_tokenizer_dir, use_shared_tokenizer

log = logging.getLogger("textbench")
TUNABLE = ("scratch", "pretrained")


def tuned_arm_names(study: Study) -> list[str]:
    """Model arms the study's ``tune:`` covers (pretraining arms are not searched: see the README)."""
    tune = study.cfg.tune
    if tune is None:
        return []
    return [a.name for a in study.arms if a.kind in TUNABLE and a.pretrain is None
            and (tune.arms is None or a.name in tune.arms or a.group in tune.arms)]


def check_tune(study: Study) -> None:
    """Fail before anything runs: unknown arms in ``tune.arms``/``tune.space``, spaces that do not parse."""
    from textbench.errors import ConfigError
    from textbench.tuning.space import arm_space

    tune = study.cfg.tune
    if tune is None:
        return
    names = {a.name for a in study.arms} | {a.group for a in study.arms}
    for where, listed in (("tune.arms", tune.arms or []), ("tune.space", list(tune.space))):
        for name in listed:
            if name not in names:
                raise ConfigError(f"{study.path}: {where}: no arm named {name!r}; arms: {', '.join(sorted(names))}")
    for arm in study.arms:
        if arm.name in tuned_arm_names(study):
            arm_space(arm.config, tune.space.get(arm.name) or tune.space.get(arm.group),
                      f"{study.path}: tune.space.{arm.name}")


@dataclass
class SearchJob:
    """One arm's search, as an executor runs it (in this process, or as a Ray task)."""

    arm: ResolvedArm
    search: Any  # tuning.search.ArmSearch
    tune: Any  # tuning.config.TuneConfig
    storage: str  # the Optuna storage URL every search of the study shares
    data_store: Path  # the study's prepared data


def search_here(job: SearchJob) -> dict[str, Any]:
    """Run one arm's search in this process; its summary."""
    from textbench.runs.kinds import stored_data
    from textbench.tuning.search import run_search

    return run_search(job.search, job.tune, job.storage, prepared=stored_data(job.search.base, job.data_store))


def tune_arms(study: Study, run_searches: Callable[[list[SearchJob]], list[dict[str, Any]]] | None = None
              ) -> list[ResolvedArm]:
    """Search every tuned arm (continuing a stored search); the arms with their best configs.

    ``run_searches`` runs the searches and returns their summaries in order (default: one after
    another in this process; the Ray executor runs them side by side on the cluster).
    """
    from textbench.tuning.scratch_shape import parameter_budget
    from textbench.tuning.search import TUNING_DIR, ArmSearch, storage_url
    from textbench.tuning.space import arm_space

    tune = study.cfg.tune
    names = tuned_arm_names(study)
    if tune is None or not names:
        return study.arms
    storage = storage_url(tune, study.dir)
    jobs = []
    for arm in study.arms:
        if arm.name not in names:
            continue
        base = use_shared_tokenizer(arm.config, shared_tokenizer_dir(study.dir, arm.settings))
        space = arm_space(base, tune.space.get(arm.name) or tune.space.get(arm.group), f"tune.space.{arm.name}")
        search = ArmSearch(arm.name, base, space, Path(study.dir) / TUNING_DIR / arm.name,
                           max_parameters=parameter_budget(base, tune.max_parameters))
        log.info("tuning %s: %d trials (%s)", arm.name, tune.trials, ", ".join(space))
        jobs.append(SearchJob(arm, search, tune, storage, Path(study.dir) / DATA_STORE))
    summaries = (run_searches or (lambda js: [search_here(j) for j in js]))(jobs)
    best = {job.arm.name: _with_best(job.arm, job.search, summary) for job, summary in zip(jobs, summaries)}
    return [best.get(arm.name, arm) for arm in study.arms]


def _with_best(arm: ResolvedArm, search: Any, summary: dict[str, Any]) -> ResolvedArm:
    best = summary.get("best")
    if not best:
        log.warning("tuning %s: no trial completed; the arm keeps its own settings", arm.name)
        return arm
    cfg = search.best_config(best["params"])
    cfg = dataclasses.replace(cfg, tokenizer=arm.config.tokenizer)  # the shared tokenizer is set per run
    return dataclasses.replace(arm, config=cfg, label=f"{arm.label} (tuned)")
