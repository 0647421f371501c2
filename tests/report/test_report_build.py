"""Reports built from hand-made run folders: tables, verdicts, embedded images, determinism, Chromium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from textbench.evaluation.metrics import full_report
from textbench.report import build_report
from textbench.report.browser_check import check_html, find_chromium
from textbench.runs.artifacts import write_predictions_csv
from textbench.utils.io import write_json_atomic, write_yaml_atomic

NAMES = ["neg", "neu", "pos"]


def _fake_run(run_dir: Path, y: np.ndarray, accuracy: float, seed: int, *, params: int, seconds: float,
              rows: int = 300, epochs: int = 3) -> None:
    rng = np.random.default_rng(seed)
    wrong = rng.random(len(y)) > accuracy
    pred = np.where(wrong, (y + 1) % 3, y)
    probs = np.full((len(y), 3), 0.1)
    probs[np.arange(len(y)), pred] = 0.8
    report = full_report(probs, y, NAMES)
    report["loss"] = 0.5
    cost = {"parameters": {"total": params, "trainable": params}, "train_seconds": seconds,
            "seconds_per_epoch": seconds / epochs, "epochs_completed": float(epochs), "best_epoch": float(epochs),
            "peak_rss_mb": 500.0 + params / 1000, "inference_seconds": 0.5, "texts_per_second": len(y) / 0.5,
            "ms_per_text": 1000 * 0.5 / len(y), "stopped_by_time_budget": False}
    write_json_atomic(run_dir / "test_metrics.json", {"split": "test", **report, "cost": cost})
    write_predictions_csv(run_dir / "test_predictions.csv", y, probs, NAMES)
    history = []
    for ep in range(1, epochs + 1):
        history.append({"loss": 1.0 / ep, "epoch": float(ep), "step": ep * 10})
        history.append({"eval_loss": 1.1 / ep + 0.05 * ep, "eval_macro_f1": accuracy * ep / epochs,
                        "epoch": float(ep), "step": ep * 10})
    write_json_atomic(run_dir / "trainer_log.json", history)
    write_yaml_atomic(run_dir / "config.yaml", {})
    write_json_atomic(run_dir / "manifest.json", {
        "status": "complete", "seed": seed, "ended": f"2026-01-01T00:00:{seed % 60:02d}+00:00",
        "machine": {"device": "cpu:test", "cpu_count": 2}, "versions": {"textbench": "0.1.0"},
        "tokenizer_hash": "abc" * 10,
        "data": {"split_hashes": {"train": "t" * 64, "validation": "v" * 64, "test": "x" * 64},
                 "summary": {"rows": {"train": rows, "validation": 100, "test": len(y)}}}})


def make_fake_study(root: Path) -> Path:
    y = np.random.default_rng(0).integers(0, 3, 400)
    arms = [
        ("majority", "baseline", 0.40, 0, 0.01, 100),
        ("scratch", "scratch", 0.70, 200_000, 50.0, 200),
        ("tuned", "pretrained", 0.90, 20_000_000, 300.0, 300),
        ("tuned-twin", "pretrained", 0.895, 20_000_000, 310.0, 300),  # same draws: a few more errors
    ]
    study = {"name": "fake", "description": "A hand-made study.", "seeds": [1, 2],
             "data": {"source": "builtin:x", "max_train_samples": 300},
             "report": {"metric": "macro_f1", "alpha": 0.05, "bootstrap_samples": 500, "per_arm_figures": True},
             "arms": [{"name": n, "group": n, "kind": k, "label": f"{n} label", "params": {},
                       "settings": {"train": {"epochs": 3, "learning_rate": 1e-4}}} for n, k, *_ in arms],
             "notes": ["a note from preflight"]}
    for name, kind, acc, params, secs, draws in arms:
        for seed in (1, 2):
            _fake_run(root / "runs" / name / f"seed-{seed}", y, acc, draws + seed, params=params,
                      seconds=secs, epochs=1 if kind == "baseline" else 3)
    # a data-efficiency group
    for frac, acc in ((0.25, 0.6), (1.0, 0.85)):
        name = f"eff-frac{frac * 100:g}"
        study["arms"].append({"name": name, "group": "eff", "kind": "pretrained", "label": "eff",
                              "params": {"data.train_fraction": frac}, "settings": {}})
        for seed in (1, 2):
            _fake_run(root / "runs" / name / f"seed-{seed}", y, acc, seed + 40, params=1000, seconds=20,
                      rows=int(300 * frac))
    write_yaml_atomic(root / "study.yaml", study)
    counts = {s: {n: 10 for n in NAMES} for s in ("train", "validation", "test")}
    write_json_atomic(root / "data.json", {
        "summary": {"source": "builtin:x", "label_names": NAMES, "rows": {"train": 30, "validation": 30, "test": 30},
                    "class_counts": counts, "cleaning": {"train": {"rows_in": 31, "duplicates_dropped": 1}},
                    "leakage": {"validation": 0, "test": 2}, "created_splits": []},
        "stats": {"classes": {s: {n: {"count": 10, "percent": 33.33} for n in NAMES} for s in counts}},
        "char_lengths": {"train": [10, 20, 30], "validation": [15], "test": [40, 50]}})
    return root


@pytest.fixture(scope="module")
def fake_report(tmp_path_factory):
    root = make_fake_study(tmp_path_factory.mktemp("fake"))
    build_report(root)
    return root


def test_report_tables_and_verdicts(fake_report):
    md = (fake_report / "report.md").read_text(encoding="utf-8")
    results = md.split("## Results on the test set")[1].split("## ")[0].splitlines()
    tuned = next(line for line in results if line.startswith("| `tuned` |"))
    assert tuned.split(" | ")[3].startswith("**0.9")  # the best macro-F1 is bold
    # a constant predictor holds no record of size, speed or memory (#14: its "throughput" is not one)
    assert "**" not in next(line for line in results if line.startswith("| `majority` |"))
    sig = md.split("## Significance")[1].split("##")[0]
    assert "`tuned`" in sig
    twin = next(line for line in sig.splitlines() if line.startswith("| `tuned-twin`"))
    assert twin.endswith("| no detectable difference |")
    maj = next(line for line in sig.splitlines() if line.startswith("| `majority`"))
    assert maj.endswith("| worse |")
    assert "Holm" in sig and "McNemar" in sig
    assert "**From scratch or fine-tuned?**" in md and "**Pareto front" in md
    assert "Training data subsampled to at most 300 rows" in md and "a note from preflight" in md
    assert "test: 2" in md  # leakage found
    assert "figures/data_efficiency.png" in md and (fake_report / "figures" / "data_efficiency.png").is_file()


def test_html_is_self_contained_and_the_rebuild_identical(fake_report):
    html = (fake_report / "report.html").read_bytes()
    md = (fake_report / "report.md").read_bytes()
    text = html.decode()
    assert text.count("<img ") == text.count('src="data:image/png;base64,') >= 8
    build_report(fake_report)
    assert (fake_report / "report.html").read_bytes() == html and (fake_report / "report.md").read_bytes() == md


def test_missing_runs_are_noted(tmp_path):
    root = make_fake_study(tmp_path)
    import shutil

    shutil.rmtree(root / "runs" / "scratch" / "seed-2")
    build_report(root)
    md = (root / "report.md").read_text(encoding="utf-8")
    assert "`scratch`: no complete run for seed(s) 2" in md
    assert "| `scratch` | 1 |" in md


@pytest.mark.skipif(find_chromium() is None, reason="needs Chromium (apt-get install chromium)")
def test_every_image_renders_in_headless_chromium(fake_report):
    result = check_html(fake_report / "report.html")
    assert result.ok, result


def test_train_time_of_a_cached_method_includes_building_its_cache(tmp_path):
    """A probe that waited 52 s for its frozen features and trained 2.6 s costs 54.6 s, not 2.6 s."""
    import json

    study_dir = make_fake_study(tmp_path)
    for seed in (1, 2):
        path = study_dir / "runs" / "scratch" / f"seed-{seed}" / "test_metrics.json"
        metrics = json.loads(path.read_text())
        metrics["cost"]["frozen_cache_seconds"] = 52.0  # cost extras are stored beside the fields
        path.write_text(json.dumps(metrics))
    md = build_report(study_dir).with_name("report.md").read_text(encoding="utf-8")
    results = md.split("## Results on the test set")[1]
    row = next(line for line in results.splitlines() if line.startswith("| `scratch` |"))
    assert "| 102 |" in row  # 50 s of training + 52 s of cache
    assert "`scratch`: 52.0 s of its 102 s building the frozen-feature cache" in md


def test_a_one_epoch_run_draws_its_train_loss_per_logged_step():
    from textbench.report.figures import run_curves

    history = [{"loss": 2.0 - s / 10, "epoch": s / 10, "step": s} for s in range(1, 11)]
    history.append({"eval_loss": 1.2, "eval_macro_f1": 0.5, "epoch": 1.0, "step": 10})
    cv = run_curves(history, "macro_f1")
    assert len(cv["train_loss"]) == 10 and cv["train_epoch"][0] == 0.1  # a curve, not one dot
    many = [{"loss": 1.0, "epoch": e / 2, "step": e} for e in range(1, 21)]  # 10 epochs: epoch means
    assert len(run_curves(many, "macro_f1")["train_loss"]) == 10


def test_mlm_pretraining_counts_in_the_train_time(tmp_path):
    """A run started from a pretraining run waited for that pretraining too: the report says so."""
    from textbench.report.analysis import summarize_arm
    from textbench.report.collect import load_study_dir

    root = make_fake_study(tmp_path / "study")
    for seed in (1, 2):
        pre = tmp_path / "pretrain" / f"seed-{seed}"
        pre.mkdir(parents=True)
        write_json_atomic(pre / "pretrain_metrics.json", {"objective": "masked-lm", "train_seconds": 400.0})
        write_yaml_atomic(root / "runs" / "scratch" / f"seed-{seed}" / "config.yaml",
                          {"model": {"kind": "scratch", "from_pretraining_run": str(pre)}})
    arm = next(a for a in load_study_dir(root).arms if a.name == "scratch")
    summary = summarize_arm(arm)
    assert summary.train_seconds == pytest.approx(450.0) and summary.pretrain_seconds == pytest.approx(400.0)
    build_report(root)
    md = (root / "report.md").read_text(encoding="utf-8")
    assert "**MLM pretraining** (in the train time):" in md and "`scratch`: 400 s of its 450 s" in md
