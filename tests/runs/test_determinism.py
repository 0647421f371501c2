"""LoRA runs are deterministic across processes: same config and seed, identical test results.

Two separate ``python -m textbench train`` processes must give the same test metrics and the
same test probabilities to the last printed digit: the classifier head (new in the pretrained
checkpoint) and the LoRA matrices are initialised after ``set_seed`` in the runner, and the
batch order follows ``train.seed``. A third run with another seed must differ, so the test
would notice an adapter or head that is not initialised from the seed at all.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import tiny_run_config


def lora_cfg(tmp_path: Path, tiny_csv: Path, tiny_bert_dir: Path) -> Path:
    return tiny_run_config(tmp_path / "lora.yaml", tiny_csv, tiny_bert_dir, epochs=2, learning_rate=5e-3,
                           method={"name": "lora", "r": 4, "alpha": 8, "dropout": 0.1}, logging_steps=2, threads=1)


def train(cfg: Path, out: Path, name: str, *extra: str) -> Path:
    env = dict(os.environ)
    proc = subprocess.run(
        [sys.executable, "-m", "textbench", "train", str(cfg), "--output-dir", str(out), "--name", name, *extra],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return out / name


def quality(run: Path) -> dict:
    metrics = json.loads((run / "test_metrics.json").read_text(encoding="utf-8"))
    metrics.pop("cost")  # times and memory differ between processes; the rest must not
    return metrics


def test_lora_same_seed_in_two_processes_is_identical(tmp_path, tiny_csv, tiny_bert_dir):
    cfg = lora_cfg(tmp_path, tiny_csv, tiny_bert_dir)
    a = train(cfg, tmp_path / "runs", "a")
    b = train(cfg, tmp_path / "runs", "b")
    for run in (a, b):
        man = json.loads((run / "manifest.json").read_text())
        assert man["status"] == "complete" and man["seed"] == 42
        params = json.loads((run / "test_metrics.json").read_text())["cost"]["parameters"]
        assert 0 < params["adapter"] < params["trainable"] < params["total"]  # it really is LoRA
    assert quality(a) == quality(b)  # accuracy, F1s, MCC, entropy, loss, confusion matrix: exact
    assert (a / "test_predictions.csv").read_bytes() == (b / "test_predictions.csv").read_bytes()
    assert (a / "metrics.csv").read_text().count("\n") > 3
    # train loss and every validation metric per logging step and epoch (timings left out)
    assert _curves(a) == _curves(b)

    # another seed gives another head/adapter initialisation and batch order: results differ
    c = train(cfg, tmp_path / "runs", "c", "--set", "train.seed=7")
    assert (c / "test_predictions.csv").read_bytes() != (a / "test_predictions.csv").read_bytes()


def _curves(run: Path) -> list[dict]:
    import csv

    timing = ("runtime", "per_second", "seconds", "flos")
    with open(run / "metrics.csv", encoding="utf-8") as f:
        return [{k: v for k, v in r.items() if not any(t in k for t in timing)} for r in csv.DictReader(f)]


if __name__ == "__main__":  # pragma: no cover
    sys.exit(pytest.main([__file__, "-q"]))
