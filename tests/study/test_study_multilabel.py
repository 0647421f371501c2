"""A multi-label study: baselines and a fine-tuned arm on the same iterative-stratified folds; the report
shows multi-label columns, per-label F1 instead of confusion matrices, and paired significance."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from conftest import tiny_multilabel
from textbench.study import load_study
from textbench.study.runner import run_study


def _study_file(tmp_path: Path, bert: Path, name: str, train: dict, **extra) -> Path:
    """A study on 140 generated multi-label rows with one tiny BERT arm (2 epochs)."""
    data = tiny_multilabel(tmp_path, rows=140)
    study = {
        "name": name,
        "data": {"source": str(data), "label_column": "labels", "multi_label": True, "label_delimiter": "|"},
        "seeds": [1],
        "shared": {"tokenizer": {"max_length": 32},
                   "train": {"epochs": 2, "batch_size": 8, "threads": 1, **train}},
        "arms": [{"name": "bert", "set": {"model.name_or_path": str(bert)}}],
        **extra,
    }
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(study, sort_keys=False), encoding="utf-8")
    return path


def test_multi_label_cv_study_reports_fold_wise_results_and_the_corrected_test(tmp_path, tiny_bert_dir):
    path = _study_file(tmp_path, tiny_bert_dir, "ml", cv=3, baselines=["majority", "tfidf"],
                       train={"learning_rate": 3e-3})
    loaded = load_study(path, output_dir=tmp_path / "s")
    result = run_study(loaded, executor="inline", progress=False)
    assert result.count("complete") == 9 and result.count("failed") == 0
    runs = loaded.dir / "runs"
    for arm in ("majority", "tfidf", "bert"):
        for fold in range(3):
            run = runs / arm / f"seed-1-fold-{fold}"
            metrics = json.loads((run / "test_metrics.json").read_text())
            assert metrics["multi_label"] is True and (run / "model" / "thresholds.json").is_file()
    tfidf = json.loads((runs / "tfidf" / "seed-1-fold-0" / "test_metrics.json").read_text())
    majority = json.loads((runs / "majority" / "seed-1-fold-0" / "test_metrics.json").read_text())
    assert tfidf["micro_f1"] > majority["micro_f1"] + 0.3  # the words decide the labels
    md = (loaded.dir / "report.md").read_text()
    header = next(line for line in md.splitlines() if line.startswith("| arm | runs |"))
    assert "micro-F1" in header and "Hamming loss" in header and "MCC" not in header
    assert "in each of the 3 folds every run used the same training and validation rows" in md
    assert "corrected resampled t-test" in md and "p (corrected t)" in md
    assert "figures/per_class_f1.png" in md and "confusion_matrices.png" not in md
    assert "Per-label F1 on test, each label over its threshold tuned on validation." in md


def test_multi_label_arms_are_tuned_like_any_other(tmp_path, tiny_bert_dir):
    tune = {"trials": 2, "startup_trials": 1,
            "space": {"bert": {"train.learning_rate": {"low": 1e-4, "high": 3e-3, "log": True}}}}
    path = _study_file(tmp_path, tiny_bert_dir, "mltune", tune=tune, train={"metric_for_best_model": "micro_f1"})
    loaded = load_study(path, output_dir=tmp_path / "s")
    result = run_study(loaded, executor="inline", progress=False)
    assert result.count("complete") == 3 and result.count("failed") == 0  # the two baselines and bert
    trials = sorted((loaded.dir / "tuning").rglob("validation_metrics.json"))
    assert len(trials) == 2  # each trial scored on validation micro-F1, never on test
    for trial in trials:
        scores = json.loads(trial.read_text())
        assert scores["split"] == "validation" and "micro_f1" in scores and "hamming_loss" in scores
    run = json.loads((loaded.dir / "runs" / "bert" / "seed-1" / "test_metrics.json").read_text())
    assert run["multi_label"] is True
