"""Files a finished run leaves: metrics.csv, test metrics, plots."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import numpy as np

from textbench.runs.records import TEST_METRICS, TestMetrics, write_record
from textbench.utils.io import write_json_atomic, write_text_atomic

FIRST_COLUMNS = ["step", "epoch", "kind", "loss", "learning_rate", "grad_norm"]


def log_rows(log_history: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Trainer log -> rows: one per logging step (train) and one per evaluation (eval)."""
    rows = []
    for rec in log_history:
        if "eval_loss" in rec:
            row = {"kind": "eval", **{k[5:] if k.startswith("eval_") else k: v for k, v in rec.items()}}
        elif "loss" in rec:
            row = {"kind": "train", **rec}
        else:
            continue  # the closing summary record (train_runtime, ...)
        rows.append(row)
    return rows


def write_metrics_csv(log_history: list[dict[str, Any]], path: Path) -> Path:
    rows = log_rows(log_history)
    cols = list(FIRST_COLUMNS)
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=cols, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow(r)
    return write_text_atomic(path, buf.getvalue())


def best_eval(log_history: list[dict[str, Any]], metric: str, greater: bool = True) -> dict[str, Any] | None:
    """The evaluation record with the best ``metric`` (first one on ties)."""
    best = None
    for rec in log_history:
        v = rec.get(f"eval_{metric}")
        if v is None:
            continue
        if best is None or (v > best[f"eval_{metric}"] if greater else v < best[f"eval_{metric}"]):
            best = rec
    return best


def write_predictions_csv(path: Path, labels: Any, probs: Any, label_names: list[str],
                          thresholds: Any = None) -> Path:
    """Per-example test predictions (row index, true label id, predicted id, probabilities). Multi-label
    rows ((N, K) labels): columns ``labels`` and ``preds`` hold space-separated label ids (predicted: the
    labels whose probability reaches their threshold)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    multi_label = np.asarray(labels).ndim == 2
    w.writerow(["index", *(("labels", "preds") if multi_label else ("label", "pred")),
                *[f"p_{n}" for n in label_names]])
    if multi_label:
        from textbench.evaluation.multilabel import predict_labels

        chosen = predict_labels(probs, thresholds)  # (N, K) over the thresholds
    for i, (y, p) in enumerate(zip(labels, probs)):
        if multi_label:
            truth, pred = " ".join(map(str, np.flatnonzero(y))), " ".join(map(str, np.flatnonzero(chosen[i])))
        else:
            truth, pred = int(y), int(p.argmax())
        w.writerow([i, truth, pred, *[f"{float(v):.6f}" for v in p]])
    return write_text_atomic(path, buf.getvalue())


def read_predictions_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """(true labels, predictions) from ``test_predictions.csv``: ids (N,), or (N, K) 0/1 rows for multi-label."""
    with open(path, encoding="utf-8") as f:
        reader = csv.DictReader(f)
        rows = list(reader)
        fields = reader.fieldnames or []
    if "labels" not in fields:
        return np.array([int(r["label"]) for r in rows]), np.array([int(r["pred"]) for r in rows])
    k = sum(name.startswith("p_") for name in fields)

    def hot(cell: str) -> np.ndarray:
        out = np.zeros(k, dtype=np.int8)
        out[[int(i) for i in cell.split()]] = 1
        return out

    return (np.array([hot(r["labels"]) for r in rows]).reshape(-1, k),
            np.array([hot(r["preds"]) for r in rows]).reshape(-1, k))


def write_test_results(run_dir: Path, metrics: TestMetrics, labels: Any, probs: Any, label_names: list[str],
                       history: list[dict[str, Any]]) -> None:
    """What every classifier run leaves: test metrics and predictions, its log, the confusion matrix (multi-label:
    the per-label F1 chart, ``per_label_f1.png``)."""
    from textbench.evaluation.plots import plot_confusion_matrix, plot_per_label_f1

    write_record(run_dir / TEST_METRICS, metrics)
    write_predictions_csv(run_dir / "test_predictions.csv", labels, probs, label_names,
                          metrics.scores.get("thresholds"))
    write_training_log(run_dir, history)
    if metrics.scores.get("multi_label"):
        plot_per_label_f1(metrics.scores, run_dir / "per_label_f1.png")
    else:
        plot_confusion_matrix(metrics.scores["confusion_matrix"], label_names, run_dir / "confusion_matrix.png",
                              title=f"{run_dir.name}: confusion matrix (test)")


def write_training_log(run_dir: Path, history: list[dict[str, Any]]) -> None:
    """``metrics.csv`` (one row per logging step and evaluation) and the raw ``trainer_log.json``."""
    write_metrics_csv(history, run_dir / "metrics.csv")
    write_json_atomic(run_dir / "trainer_log.json", history)
