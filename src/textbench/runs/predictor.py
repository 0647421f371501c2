"""What `textbench predict` serves: a run folder, or the best run of an arm or study folder.

A run folder's saved model is a transformer (``model/`` in Hugging Face format) or a
baseline (``model/baseline.json``). An arm folder (``runs/<arm>/``, one run per seed) or a
study folder gives its complete run with the best validation score (the metric each run
selected its epochs by; never the test score), and says which it took.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textbench.errors import RunError
from textbench.evaluation.names import LOWER_IS_BETTER
from textbench.runs.artifacts import best_eval
from textbench.runs.folder import run_status
from textbench.runs.records import MANIFEST, STATUS_COMPLETE

MODEL_DIR = "model"


@dataclass
class Served:
    predictor: Any  # .predict_proba(texts) -> (N, C), .label_names, .multi_label and .thresholds (or None)
    run_dir: Path
    chosen: str | None  # how the run was chosen, when the folder was an arm or a study


def open_predictor(folder: str | Path, *, batch_size: int = 64, quantize: str | None = None,
                   backend: str = "torch") -> Served:
    folder = Path(folder)
    chosen = None
    if not (folder / "config.yaml").is_file() and folder.is_dir():
        run_dir, chosen = best_run(folder)
    else:
        run_dir = folder
    from textbench.baselines.saving import is_saved_baseline, load_baseline

    if is_saved_baseline(run_dir / MODEL_DIR):
        if quantize:
            from textbench.errors import ConfigError

            raise ConfigError(f"--quantize {quantize}: for transformer runs; {run_dir} is a baseline")
        from textbench.inference.thresholds import read_thresholds

        baseline = load_baseline(run_dir / MODEL_DIR)
        baseline.multi_label = bool(getattr(baseline.model, "multi_label", False))
        baseline.thresholds = read_thresholds(run_dir / MODEL_DIR, baseline.label_names) if baseline.multi_label else None
        return Served(baseline, run_dir, chosen)
    if backend == "onnxruntime":
        from textbench.inference.onnx_predictor import OnnxPredictor

        return Served(OnnxPredictor.from_run(run_dir, batch_size=batch_size, int8=quantize == "int8"), run_dir, chosen)
    from textbench.inference import Predictor

    return Served(Predictor.from_run(run_dir, batch_size=batch_size, quantize=quantize), run_dir, chosen)


def _complete_runs(folder: Path) -> list[Path]:
    """Complete run folders with a saved model under ``folder`` (an arm folder, or a study's runs)."""
    found = []
    for manifest in sorted(folder.rglob(MANIFEST)):
        run = manifest.parent
        if any(p in ("tuning", "stale", "pretrain") for p in run.relative_to(folder).parts):
            continue  # search trials, set-aside runs and pretraining runs are not served
        if run_status(run) == STATUS_COMPLETE and (run / MODEL_DIR).is_dir():
            found.append(run)
    return found


def validation_score(run: Path) -> tuple[str, float] | None:
    """The run's best validation value of the metric it selected by (from trainer_log.json)."""
    import yaml

    try:
        cfg = yaml.safe_load((run / "config.yaml").read_text(encoding="utf-8")) or {}
        history = json.loads((run / "trainer_log.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    metric = ((cfg.get("train") or {}).get("metric_for_best_model")) or "macro_f1"
    best = best_eval(history, metric, greater=metric not in LOWER_IS_BETTER)
    return (metric, float(best[f"eval_{metric}"])) if best else None


def best_run(folder: Path) -> tuple[Path, str]:
    runs = _complete_runs(folder)
    scored = [(run, s) for run in runs if (s := validation_score(run)) is not None]
    if not scored:
        what = "runs" if not runs else "validation scores"
        raise RunError(f"{folder}: not a run folder, and no complete run with a saved model and {what} under it;"
                       " give a run folder (e.g. runs/<arm>/seed-<seed>)")
    metric = scored[0][1][0]
    run, (_, value) = sorted(scored, key=lambda rs: rs[1][1], reverse=metric not in LOWER_IS_BETTER)[0]
    return run, (f"the best of {len(scored)} complete run(s) under {folder} by validation {metric}:"
                 f" {run.relative_to(folder)} ({value:.4f})")
