"""The attention rule of thumb appears in reports whose from-scratch arms differ in attention kind."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textbench.evaluation.metrics import full_report
from textbench.report import build_report
from textbench.report import attention_note
from textbench.runs.artifacts import write_predictions_csv
from textbench.utils.io import write_json_atomic, write_yaml_atomic

NAMES = ["neg", "neu", "pos"]


def _fake_run(run_dir: Path, y: np.ndarray, accuracy: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    pred = np.where(rng.random(len(y)) > accuracy, (y + 1) % 3, y)
    probs = np.full((len(y), 3), 0.1)
    probs[np.arange(len(y)), pred] = 0.8
    cost = {"parameters": {"total": 1000, "trainable": 1000}, "train_seconds": 10.0, "seconds_per_epoch": 5.0,
            "epochs_completed": 2.0, "best_epoch": 2.0, "peak_rss_mb": 500.0, "inference_seconds": 0.5,
            "texts_per_second": len(y) / 0.5, "ms_per_text": 1000 * 0.5 / len(y), "stopped_by_time_budget": False}
    write_json_atomic(run_dir / "test_metrics.json", {"split": "test", **full_report(probs, y, NAMES), "cost": cost})
    write_predictions_csv(run_dir / "test_predictions.csv", y, probs, NAMES)
    write_json_atomic(run_dir / "trainer_log.json", [{"loss": 1.0, "epoch": 1.0, "step": 10}])
    write_yaml_atomic(run_dir / "config.yaml", {})
    write_json_atomic(run_dir / "manifest.json", {"status": "complete", "seed": seed,
                                                  "machine": {"device": "cpu:test", "cpu_count": 2}})


def _study(root: Path, kinds: list[str], *, pretrained: bool = False) -> Path:
    y = np.random.default_rng(0).integers(0, 3, 120)
    arms = []
    for i, kind in enumerate(kinds):
        settings = {"tokenizer": {"max_length": 128},
                    "model": {"kind": "scratch", "architecture": {"kind": "encoder", "attention_type": kind}},
                    "train": {"epochs": 2, "learning_rate": 5e-4}}
        arms.append({"name": f"enc-{kind}", "group": "encoder", "kind": "scratch", "label": kind,
                     "params": {"model.architecture.attention_type": kind}, "settings": settings})
        _fake_run(root / "runs" / f"enc-{kind}" / "seed-1", y, 0.6 + 0.05 * i, i)
    if pretrained:
        arms.append({"name": "minilm", "group": "minilm", "kind": "pretrained", "label": "minilm", "params": {},
                     "settings": {"model": {"kind": "pretrained", "name_or_path": "builtin:minilm-l6"}}})
        _fake_run(root / "runs" / "minilm" / "seed-1", y, 0.8, 9)
    write_yaml_atomic(root / "study.yaml", {"name": "att", "seeds": [1], "arms": arms,
                                            "report": {"bootstrap_samples": 100, "per_arm_figures": False}})
    return root


def test_note_in_report_of_an_attention_ablation(tmp_path):
    root = _study(tmp_path, ["mha", "performer", "lsh"], pretrained=True)
    build_report(root)
    md = (root / "report.md").read_text(encoding="utf-8")
    assert "**Attention kinds and sequence length.**" in md
    assert f"{attention_note.PERFORMER_CROSSOVER:,} tokens" in md and f"{attention_note.LSH_CROSSOVER:,}" in md
    assert "`mha`, `performer`, `lsh`" in md
    assert "truncates to 128 tokens, well below the crossover" in md
    assert attention_note.MEASURED in md
    assert "Attention kinds and sequence length" in (root / "report.html").read_text(encoding="utf-8")


def test_no_note_when_every_arm_uses_one_attention_kind(tmp_path):
    root = _study(tmp_path, ["mha"], pretrained=True)
    build_report(root)
    assert "Attention kinds" not in (root / "report.md").read_text(encoding="utf-8")


def test_attention_types_reads_only_scratch_arms():
    settings = [{"model": {"kind": "pretrained", "name_or_path": "x"}},
                {"model": {"kind": "scratch", "architecture": {}}},  # default: mha
                {"model": {"kind": "scratch", "architecture": {"attention_type": "lsh"}}},
                {}]
    assert attention_note.attention_types(settings) == ["mha", "lsh"]
    assert attention_note.study_note(settings[:2]) is None
    long = [{"tokenizer": {"max_length": 8192}, "model": {"kind": "scratch", "architecture": {"attention_type": k}}}
            for k in ("mha", "performer")]
    assert "at or above the crossover" in attention_note.study_note(long)
