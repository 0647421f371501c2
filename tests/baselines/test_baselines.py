"""Classic baselines on the built-in data: run folders like a trained run's, TF-IDF beats majority."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from textbench.baselines import BaselineConfig, BaselineRunConfig, load_baseline_config, make_baseline
from textbench.cli import main as textbench_main
from textbench.runs.baseline import run_baseline
from textbench.config.loader import from_dict
from textbench.data import DataConfig, prepare_data
from textbench.errors import ConfigError
from textbench.runs.artifacts import read_predictions_csv
from textbench.utils.io import read_json

COST_KEYS = {"parameters", "train_seconds", "seconds_per_epoch", "epochs_completed", "best_epoch", "peak_rss_mb",
             "inference_seconds", "texts_per_second", "ms_per_text", "stopped_by_time_budget"}
METRIC_KEYS = {"accuracy", "balanced_accuracy", "macro_f1", "micro_f1", "weighted_f1", "macro_precision",
               "macro_recall", "mcc", "entropy", "loss", "per_class", "confusion_matrix", "label_names", "cost"}


@pytest.fixture(scope="module")
def prepared():
    return prepare_data(DataConfig())


def _run(tmp_path, prepared, name, seed=1, **options):
    cfg = from_dict(BaselineRunConfig, {"baseline": {"name": name, **options}, "seed": seed,
                                        "output": {"dir": str(tmp_path), "name": f"{name}-{seed}"}})
    return run_baseline(cfg, prepared=prepared)


def test_tfidf_beats_majority_on_builtin_data(tmp_path, prepared):
    maj = _run(tmp_path, prepared, "majority")
    tfidf = _run(tmp_path, prepared, "tfidf")
    assert tfidf.test_metrics["macro_f1"] > maj.test_metrics["macro_f1"] + 0.2
    assert maj.test_metrics["accuracy"] == pytest.approx(max(prepared.class_counts("test").values()) / 420)
    for res in (maj, tfidf):
        m = res.test_metrics
        assert METRIC_KEYS <= set(m) and COST_KEYS <= set(m["cost"])
        assert {"total", "trainable"} <= set(m["cost"]["parameters"])
        assert read_json(res.run_dir / "manifest.json")["status"] == "complete"
        labels, preds = read_predictions_csv(res.run_dir / "test_predictions.csv")
        assert len(labels) == len(preds) == 420
        hashes = read_json(res.run_dir / "manifest.json")["data"]["split_hashes"]
        assert hashes["test"] == prepared.split_hash("test")
        assert (res.run_dir / "metrics.csv").read_text().count("\n") == 3  # header, train, eval
    assert maj.test_metrics["cost"]["parameters"]["total"] == 0
    assert tfidf.test_metrics["cost"]["parameters"]["trainable"] > 1000
    assert tfidf.test_metrics["baseline"]["C_selected"] in BaselineConfig().C
    # its own grid, chosen on validation: features (words / words + chars, min_df 1 / 2) x C
    info = tfidf.test_metrics["baseline"]
    assert len(info["tried"]) == 2 * 2 * len(BaselineConfig().C)
    best = max(info["tried"], key=lambda t: t["validation_macro_f1"])
    assert (best["C"], best["char_ngrams"], best["min_df"]) == (info["C_selected"], info["char_ngrams_selected"],
                                                                 info["min_df_selected"])
    # a baseline has no optimiser loop: it says so instead of faking Trainer fields
    assert maj.test_metrics["cost"]["global_steps"] is None and maj.test_metrics["cost"]["best_epoch"] is None
    assert read_json(maj.run_dir / "manifest.json")["kind"] == "baseline"


def test_tfidf_keeps_its_settings_without_feature_tuning():
    model = make_baseline(BaselineConfig(name="tfidf", tune_features=False, C=[1.0]))
    texts = ["good day", "bad day", "good film", "bad film", "great", "awful"] * 3
    labels = np.array([0, 1, 0, 1, 0, 1] * 3)
    info = model.fit(texts, labels, texts[:6], labels[:6], 2, 0)
    assert len(info["tried"]) == 1 and info["char_ngrams_selected"] == [2, 5] and info["min_df_selected"] == 1


def test_the_c_values_fit_side_by_side_give_the_models_of_fitting_one_by_one(prepared, monkeypatch):
    import textbench.runtime.environment as environment

    texts, labels = prepared.splits["train"]["text"][:600], np.asarray(prepared.splits["train"]["label"][:600])
    val, val_labels = prepared.splits["validation"]["text"][:200], np.asarray(prepared.splits["validation"]["label"][:200])
    fitted = {}
    for cores in (1, 3):
        monkeypatch.setattr(environment, "available_cores", lambda: cores)
        model = make_baseline(BaselineConfig(name="tfidf", tune_features=False, char_ngrams=None, C=[0.5, 4.0, 32.0]))
        fitted[cores] = (model.fit(texts, labels, val, val_labels, 3, 0), model.model.coef_)
    assert fitted[1][0]["tried"] == fitted[3][0]["tried"] and fitted[1][0]["C_selected"] == fitted[3][0]["C_selected"]
    np.testing.assert_array_equal(fitted[1][1], fitted[3][1])


def test_majority_predicts_the_training_prior():
    model = make_baseline(BaselineConfig(name="majority"))
    model.fit(["a"] * 5, np.array([0, 1, 1, 1, 2]), ["b"], np.array([1]), 3, 0)
    probs = model.predict_proba(["x", "y"])
    assert probs.shape == (2, 3) and np.allclose(probs[0], [0.2, 0.6, 0.2])


def test_bad_baseline_configs(tmp_path):
    with pytest.raises(ConfigError, match="word_ngrams"):
        from_dict(BaselineRunConfig, {"baseline": {"word_ngrams": [2, 1]}})
    with pytest.raises(ConfigError, match="C: expected a non-empty list"):
        from_dict(BaselineRunConfig, {"baseline": {"C": []}})
    path = tmp_path / "b.yaml"
    path.write_text(yaml.safe_dump({"baseline": {"name": "svm"}}))
    with pytest.raises(ConfigError, match="svm"):
        load_baseline_config(path)
    assert textbench_main(["baseline", str(path)]) == 2


@pytest.mark.parametrize("name", ["majority", "tfidf"])
def test_a_baseline_saves_a_model_predict_serves_without_pickle(tmp_path, prepared, name, capsys):
    import json

    from textbench.runs.predictor import open_predictor

    quick = {"tune_features": False, "C": [2.0]} if name == "tfidf" else {}  # one fit: the grid is tested above
    res = _run(tmp_path, prepared, name, **quick)
    model_dir = res.run_dir / "model"
    assert sorted(p.name for p in model_dir.iterdir()) == ["README.md", "baseline.json", "baseline.safetensors"]
    card = (model_dir / "README.md").read_text()  # a model card, and no pickle
    assert card.startswith("---\n") and "library_name: scikit-learn" in card and "## Intended use" in card
    served = open_predictor(res.run_dir)
    texts = list(prepared.splits["test"]["text"])
    _, stored_preds = read_predictions_csv(res.run_dir / "test_predictions.csv")
    assert served.predictor.label_names == prepared.label_names
    probs = served.predictor.predict_proba(texts)
    assert probs.argmax(1).tolist() == stored_preds.tolist()
    from textbench.evaluation.metrics import full_report

    labels = np.asarray(prepared.splits["test"]["label"])
    assert full_report(probs, labels, prepared.label_names)["macro_f1"] == pytest.approx(res.test_metrics["macro_f1"])
    inp = tmp_path / "texts.txt"
    inp.write_text("what a great day\nthis is awful\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert textbench_main(["predict", str(res.run_dir), "--input", str(inp), "--output", str(out)]) == 0
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(recs) == 2 and all(r["label"] in prepared.label_names for r in recs)


def test_predict_on_an_arm_or_study_folder_takes_the_best_run_by_validation(tmp_path, prepared, capsys):
    from textbench.errors import RunError
    from textbench.runs.predictor import best_run, open_predictor

    arm = tmp_path / "study" / "runs" / "tfidf"
    for seed in (1, 2):
        cfg = from_dict(BaselineRunConfig, {"baseline": {"name": "tfidf", "C": [0.5 * seed]}, "seed": seed,
                                            "output": {"dir": str(arm), "name": f"seed-{seed}"}})
        run_baseline(cfg, prepared=prepared)
    maj = from_dict(BaselineRunConfig, {"baseline": {"name": "majority"}, "seed": 1,
                                        "output": {"dir": str(tmp_path / "study" / "runs" / "majority"),
                                                   "name": "seed-1"}})
    run_baseline(maj, prepared=prepared)
    scores = {s: max(r["eval_macro_f1"] for r in read_json(arm / f"seed-{s}" / "trainer_log.json")
                     if "eval_macro_f1" in r) for s in (1, 2)}
    best = max(scores, key=scores.get)
    run, why = best_run(arm)
    assert run == arm / f"seed-{best}" and "validation macro_f1" in why
    assert open_predictor(tmp_path / "study").run_dir == arm / f"seed-{best}"  # beats the majority baseline
    (tmp_path / "empty").mkdir()
    with pytest.raises(RunError, match="no complete run with a saved model"):
        open_predictor(tmp_path / "empty")
