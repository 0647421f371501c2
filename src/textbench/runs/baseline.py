"""Run a baseline into a run folder with the same files as a trained run.

config.yaml, manifest.json (status complete, split hashes, data summary),
test_metrics.json (same keys as a trained run, cost included; no optimiser steps or
best epoch), test_predictions.csv, metrics.csv and trainer_log.json (one train and one
validation record at epoch 1), confusion_matrix.png (multi-label: per_label_f1.png), and model/ (the fitted baseline as
arrays and JSON, see baselines/saving.py) for `textbench predict`.
"""

from __future__ import annotations

import dataclasses
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from textbench.baselines.config import BaselineRunConfig
from textbench.baselines.models import make_baseline
from textbench.baselines.saving import save_baseline
from textbench.config.loader import to_dict
from textbench.data import PreparedData, prepare_data
from textbench.evaluation.metrics import full_report, log_loss, scalar_metrics
from textbench.evaluation.multilabel import tune_thresholds
from textbench.inference.thresholds import write_thresholds
from textbench.runtime import environment as env
from textbench.runtime.memory import peak_memory
from textbench.runs.artifacts import write_test_results
from textbench.runs.engine import RunClock, RunSpec, execute
from textbench.runs.folder import publish_model
from textbench.runs.model_card import write_model_card
from textbench.runs.naming import BASELINE_RESUME_COMMAND, baseline_run_name
from textbench.runs.records import Cost, DataRecord, Manifest, TestMetrics


RUN_KIND = "baseline"


@dataclass
class BaselineResult:
    run_dir: Path
    test_metrics: dict[str, Any]


def _timed(model: Any, texts: list[str]) -> tuple[np.ndarray, dict[str, Any]]:
    start = time.perf_counter()
    probs = model.predict_proba(texts)
    secs = time.perf_counter() - start
    n = len(texts)
    return probs, {
        "inference_seconds": round(secs, 4),
        "texts_per_second": round(n / secs, 2) if secs > 0 else 0.0,
        "ms_per_text": round(1000 * secs / max(n, 1), 3),
        "inference_batch_size": n,
    }


def run_baseline(
    cfg: BaselineRunConfig,
    *,
    resume: bool = False,
    base_dir: Path | None = None,
    prepared: PreparedData | None = None,
) -> BaselineResult:
    """Fit ``cfg.baseline`` on train, pick settings on validation, measure on test.

    ``resume`` restarts an unfinished baseline folder from the beginning (baselines
    take seconds; there is nothing to continue).
    """
    clock = RunClock()
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    if prepared is None:
        prepared = prepare_data(cfg.data, base_dir=base_dir)
    name = cfg.output.name or baseline_run_name(cfg)
    cfg = dataclasses.replace(cfg, output=dataclasses.replace(cfg.output, name=name))
    out_dir = Path(cfg.output.dir)
    if base_dir is not None and not out_dir.is_absolute():
        out_dir = base_dir / out_dir
    spec = RunSpec(kind=RUN_KIND, out_dir=out_dir, name=name, config=to_dict(cfg),
                   resume_command=BASELINE_RESUME_COMMAND, if_exists=cfg.output.if_exists,
                   restart_on_resume=True)
    manifest = Manifest(seed=cfg.seed, machine=env.machine_info(uses_torch=False), versions=env.library_versions(),
                        git_commit=env.git_commit(), data=DataRecord.of(prepared),
                        model_source=f"baseline:{cfg.baseline.name}")
    return execute(spec, manifest, lambda folder: _fit_and_test(cfg, prepared, folder.path), resume=resume,
                   clock=clock)


def _fit_and_test(cfg: BaselineRunConfig, prepared: PreparedData, run_dir: Path) -> BaselineResult:
    names = prepared.label_names
    columns = {s: prepared.splits[s][:] for s in ("train", "validation", "test")}  # batched reads
    split = {s: (list(c["text"]), np.asarray(c["label"])) for s, c in columns.items()}

    model = make_baseline(cfg.baseline)
    t0 = time.perf_counter()
    info = model.fit(*split["train"], *split["validation"], len(names), cfg.seed)
    train_seconds = time.perf_counter() - t0

    train_probs = model.predict_proba(split["train"][0])
    val_probs = model.predict_proba(split["validation"][0])
    # multi-label: each label's decision threshold tuned on validation, as for trained runs
    thresholds = tune_thresholds(val_probs, split["validation"][1]) if prepared.multi_label else None
    probs, inference = _timed(model, split["test"][0])
    labels = split["test"][1]
    scores = full_report(probs, labels, names, thresholds)
    scores["loss"] = log_loss(probs, labels)

    val = scalar_metrics(val_probs, split["validation"][1], len(names), thresholds)
    val["loss"] = log_loss(val_probs, split["validation"][1])
    history = [  # one fit: one train and one validation record at "epoch 1"
        {"loss": log_loss(train_probs, split["train"][1]), "epoch": 1.0, "step": 1},
        {**{f"eval_{k}": v for k, v in val.items()}, "epoch": 1.0, "step": 1},
    ]
    n_params = model.num_parameters()
    cost = Cost(
        parameters={"total": n_params, "trainable": n_params, "backbone": 0, "head": n_params, "adapter": 0,
                    "trainable_backbone": 0, "trainable_head": n_params, "trainable_adapter": 0},
        train_seconds=round(train_seconds, 2),
        train_samples_per_second=round(len(split["train"][0]) / train_seconds, 2) if train_seconds > 0 else None,
        **peak_memory(), **inference, test_examples=len(labels),
    )
    metrics = TestMetrics(scores=scores, cost=cost, extra={"baseline": info})
    # the fitted model as plain arrays and JSON (never pickle): `textbench predict` serves it
    def save(out: Path) -> None:
        save_baseline(model, cfg.baseline.name, names, out)
        if thresholds is not None:
            write_thresholds(out, thresholds, names)
        write_model_card(out, name=run_dir.name, config=to_dict(cfg), scores=scores, label_names=names,
                         data=DataRecord.of(prepared), method=f"baseline {cfg.baseline.name}",
                         tag=f"baseline-{cfg.baseline.name}", baseline=True)

    publish_model(run_dir, save)
    write_test_results(run_dir, metrics, labels, probs, names, history)
    return BaselineResult(run_dir, metrics.to_json())
