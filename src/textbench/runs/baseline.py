"""Run a baseline into a run folder with the same files as a trained run.

config.yaml, manifest.json (status complete, split hashes, data summary),
test_metrics.json (same keys as a trained run, cost included), test_predictions.csv,
metrics.csv and trainer_log.json (one train and one validation record at epoch 1),
confusion_matrix.png.
"""

from __future__ import annotations

import dataclasses
import random
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from textbench.baselines.config import BaselineRunConfig
from textbench.baselines.models import make_baseline
from textbench.config.loader import to_dict
from textbench.data import PreparedData, prepare_data
from textbench.evaluation.metrics import full_report, scalar_metrics
from textbench.runtime import environment as env
from textbench.runs.artifacts import write_metrics_csv, write_predictions_csv
from textbench.runtime.memory import peak_memory
from textbench.runs.folder import claim_run_dir, now_iso, update_manifest
from textbench.utils.io import write_json_atomic, write_yaml_atomic


@dataclass
class BaselineResult:
    run_dir: Path
    test_metrics: dict[str, Any]


def _log_loss(probs: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(probs[np.arange(len(labels)), labels], 1e-12, 1.0)
    return float(-np.mean(np.log(p))) if len(labels) else 0.0


def _timed(model: Any, texts: list[str]) -> tuple[np.ndarray, dict[str, float]]:
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
    started = now_iso()
    t_start = time.perf_counter()
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    if prepared is None:
        prepared = prepare_data(cfg.data, base_dir=base_dir)
    name = cfg.output.name or cfg.baseline.name
    cfg = dataclasses.replace(cfg, output=dataclasses.replace(cfg.output, name=name))
    out_dir = Path(cfg.output.dir)
    if base_dir is not None and not out_dir.is_absolute():
        out_dir = base_dir / out_dir
    if resume and (out_dir / name).exists():
        shutil.rmtree(out_dir / name)
        resume = False
    run_dir, _ = claim_run_dir(out_dir, name, if_exists=cfg.output.if_exists, resume=resume)
    try:
        return _run_in_dir(cfg, prepared, run_dir, started, t_start)
    except BaseException:
        shutil.rmtree(run_dir, ignore_errors=True)  # seconds of work; nothing worth keeping
        raise


def _run_in_dir(cfg: BaselineRunConfig, prepared: PreparedData, run_dir: Path, started: str,
                t_start: float) -> BaselineResult:
    names = prepared.label_names
    columns = {s: prepared.splits[s][:] for s in ("train", "validation", "test")}  # batched reads
    split = {s: (list(c["text"]), np.asarray(c["label"])) for s, c in columns.items()}
    write_yaml_atomic(run_dir / "config.yaml", to_dict(cfg))
    update_manifest(
        run_dir,
        name=run_dir.name,
        status="running",
        started=started,
        seed=cfg.seed,
        machine=env.machine_info(uses_torch=False),
        versions=env.library_versions(),
        git_commit=env.git_commit(),
        data={
            "source": prepared.source,
            "created_splits": prepared.created_splits,
            "split_hashes": {s: prepared.split_hash(s) for s in ("train", "validation", "test")},
            "summary": prepared.summary(),
        },
        tokenizer_hash=None,
        model_source=f"baseline:{cfg.baseline.name}",
        notes=[],
    )

    model = make_baseline(cfg.baseline)
    t0 = time.perf_counter()
    info = model.fit(*split["train"], *split["validation"], len(names), cfg.seed)
    train_seconds = time.perf_counter() - t0

    train_probs = model.predict_proba(split["train"][0])
    val_probs = model.predict_proba(split["validation"][0])
    probs, inf_stats = _timed(model, split["test"][0])
    labels = split["test"][1]
    report = full_report(probs, labels, names)
    report["loss"] = _log_loss(probs, labels)

    val = scalar_metrics(val_probs, split["validation"][1], len(names))
    val["loss"] = _log_loss(val_probs, split["validation"][1])
    history = [
        {"loss": _log_loss(train_probs, split["train"][1]), "epoch": 1.0, "step": 1},
        {**{f"eval_{k}": v for k, v in val.items()}, "epoch": 1.0, "step": 1},
    ]
    n_params = model.num_parameters()
    cost = {
        "parameters": {"total": n_params, "trainable": n_params, "backbone": 0, "head": n_params, "adapter": 0,
                       "trainable_backbone": 0, "trainable_head": n_params, "trainable_adapter": 0},
        "train_seconds": round(train_seconds, 2),
        "epochs_completed": 1.0,
        "seconds_per_epoch": round(train_seconds, 2),
        "train_samples_per_second": round(len(split["train"][0]) / train_seconds, 2) if train_seconds > 0 else None,
        "global_steps": 1,
        "best_epoch": 1.0,
        "stopped_by_time_budget": False,
        **peak_memory(),
        **inf_stats,
        "test_examples": len(labels),
    }
    test_metrics = {"split": "test", **report, "cost": cost, "baseline": info}
    write_json_atomic(run_dir / "test_metrics.json", test_metrics)
    write_predictions_csv(run_dir / "test_predictions.csv", labels, probs, names)
    write_metrics_csv(history, run_dir / "metrics.csv")
    write_json_atomic(run_dir / "trainer_log.json", history)
    from textbench.evaluation.plots import plot_confusion_matrix

    plot_confusion_matrix(report["confusion_matrix"], names, run_dir / "confusion_matrix.png",
                          title=f"{run_dir.name}: confusion matrix (test)")
    update_manifest(run_dir, status="complete", ended=now_iso(),
                    total_seconds=round(time.perf_counter() - t_start, 2))
    return BaselineResult(run_dir, test_metrics)
