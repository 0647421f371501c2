"""End to end through the one training path, on a tiny BERT checkpoint and tiny data."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from helpers.interrupt import interrupt_at_step
from textbench.config import load_run_config
from textbench.errors import RunError
from textbench.inference import Predictor
from textbench.runs.finetune import train_run


def make_cfg(tmp_path, tiny_csv, tiny_bert_dir, *overrides):
    return load_run_config(
        None,
        [
            f"data.source={tiny_csv}",
            "data.text_column=review",
            "data.label_column=sentiment",
            f"model.name_or_path={tiny_bert_dir}",
            "tokenizer.max_length=32",
            "train.epochs=2",
            "train.batch_size=8",
            "train.learning_rate=1e-3",
            "train.logging_steps=2",
            f"output.dir={tmp_path / 'runs'}",
            "output.name=tiny",
            *overrides,
        ],
    )


def test_run_folder_has_everything(tmp_path, tiny_csv, tiny_bert_dir):
    res = train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir), quiet=True)
    d = res.run_dir
    for name in ("config.yaml", "manifest.json", "metrics.csv", "test_metrics.json", "reference_metrics.json",
                 "confusion_matrix.png", "learning_curves.png", "test_predictions.csv", "model/config.json",
                 "model/model.safetensors", "model/tokenizer.json"):
        assert (d / name).is_file(), name
    assert not (d / "checkpoints").exists()
    man = json.loads((d / "manifest.json").read_text())
    assert man["status"] == "complete" and man["seed"] == 42
    assert set(man["data"]["split_hashes"]) == {"train", "validation", "test"}
    assert man["data"]["created_splits"] == ["validation", "test"] or set(man["data"]["created_splits"]) == {"validation", "test"}
    assert len(man["tokenizer_hash"]) >= 16
    rows = list(csv.DictReader(open(d / "metrics.csv")))
    assert {r["kind"] for r in rows} == {"train", "eval"}
    assert sum(r["kind"] == "eval" for r in rows) == 2
    m = res.test_metrics
    for k in ("accuracy", "balanced_accuracy", "macro_f1", "micro_f1", "weighted_f1", "mcc", "entropy", "loss",
              "per_class", "confusion_matrix"):
        assert k in m
    cost = m["cost"]
    assert cost["parameters"]["total"] == cost["parameters"]["trainable"] > 0
    assert cost["train_seconds"] > 0 and cost["texts_per_second"] > 0 and cost["peak_rss_mb"] > 0
    assert cost["best_epoch"] in (1.0, 2.0)
    model_cfg = json.loads((d / "model" / "config.json").read_text())
    assert model_cfg["id2label"] == {"0": "neg", "1": "neu", "2": "pos"}
    from huggingface_hub import ModelCard  # a model card, in the Hub's format, beside the model

    card = ModelCard.load(d / "model" / "README.md")
    assert card.data.library_name == "transformers" and "full" in card.data.tags
    [result] = [r for r in card.data.eval_results if r.metric_name == "macro-f1"]
    assert result.metric_value == pytest.approx(m["macro_f1"], abs=1e-4) and result.dataset_split == "test"
    assert "`neg`, `neu`, `pos`" in card.text and "cut to 32 tokens" in card.text
    # How far the run got, for a study's progress display (from a callback, not from printed logs).
    from textbench.runs.folder import read_progress

    progress = read_progress(d)
    assert progress["epoch"] == pytest.approx(2.0) and progress["epochs"] == 2
    assert progress["step"] == progress["max_steps"] == cost["global_steps"]

    # Reloading the saved run predicts exactly what was measured at the end of training.
    pred = Predictor.from_run(d)
    from textbench.data import prepare_data

    texts = prepare_data(load_run_config(d / "config.yaml").data).splits["test"]["text"]
    probs = pred.predict_proba(texts)
    saved = np.array([[float(r[f"p_{n}"]) for n in ("neg", "neu", "pos")]
                      for r in csv.DictReader(open(d / "test_predictions.csv"))])
    np.testing.assert_allclose(probs, saved, atol=2e-6)

    # Never overwritten silently.
    with pytest.raises(RunError, match="already exists"):
        train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir), quiet=True)
    with pytest.raises(RunError, match="already complete"):
        train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir), quiet=True, resume=True)
    again = train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "output.if_exists=suffix"), quiet=True)
    assert again.run_dir.name == "tiny-2"
    # Same seed, same config: identical metrics.
    assert again.test_metrics["macro_f1"] == m["macro_f1"]
    assert again.test_metrics["confusion_matrix"] == m["confusion_matrix"]


def test_time_budget_stops_and_still_evaluates(tmp_path, tiny_csv, tiny_bert_dir):
    res = train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "train.max_minutes=0.00001", "train.epochs=5"),
                    quiet=True)
    cost = res.test_metrics["cost"]
    assert cost["stopped_by_time_budget"] is True
    assert cost["global_steps"] == 1
    rows = list(csv.DictReader(open(res.run_dir / "metrics.csv")))
    assert any(r["kind"] == "eval" for r in rows)


def test_interrupt_then_resume_matches_uninterrupted(tmp_path, tiny_csv, tiny_bert_dir, monkeypatch):
    from textbench.training import trainer as trainer_mod

    full = train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "output.name=straight"), quiet=True)

    original = trainer_mod.TextbenchTrainer.training_step
    interrupt_at_step(monkeypatch, 8)  # in the second epoch, after the epoch-1 checkpoint
    with pytest.raises(RunError, match="--resume"):
        train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "output.name=broken"), quiet=True)
    broken = tmp_path / "runs" / "broken"
    assert json.loads((broken / "manifest.json").read_text())["status"] == "interrupted"
    assert any((broken / "checkpoints").iterdir())
    monkeypatch.setattr(trainer_mod.TextbenchTrainer, "training_step", original)
    resumed = train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "output.name=broken"), quiet=True, resume=True)
    assert resumed.test_metrics["confusion_matrix"] == full.test_metrics["confusion_matrix"]
    assert resumed.test_metrics["macro_f1"] == pytest.approx(full.test_metrics["macro_f1"])
    np.testing.assert_allclose(
        [resumed.test_metrics["loss"]], [full.test_metrics["loss"]], rtol=1e-4
    )


def test_scratch_runs_with_a_trained_tokenizer_are_identical(tmp_path, tiny_csv):
    """Same config and seed: identical metrics, though WordPiece training itself breaks ties by hash order."""
    arch = ("{hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64,"
            " hidden_dropout_prob: 0.1}")
    base = [f"data.source={tiny_csv}", "data.text_column=review", "data.label_column=sentiment",
            "model.kind=scratch", f"model.architecture={arch}", "tokenizer.train=wordpiece",
            "tokenizer.vocab_size=200", "tokenizer.min_frequency=1", "tokenizer.max_length=32",
            "train.epochs=2", "train.batch_size=8", "train.learning_rate=1e-3", f"output.dir={tmp_path}"]
    a = train_run(load_run_config(None, [*base, "output.name=a"]), quiet=True)
    b = train_run(load_run_config(None, [*base, "output.name=b"]), quiet=True)
    assert a.test_metrics["confusion_matrix"] == b.test_metrics["confusion_matrix"]
    assert a.test_metrics["loss"] == b.test_metrics["loss"]
    ma = json.loads((a.run_dir / "manifest.json").read_text())
    mb = json.loads((b.run_dir / "manifest.json").read_text())
    assert ma["tokenizer_hash"] == mb["tokenizer_hash"]


def test_foreign_tokenizer_that_fits_is_a_warning_note(tmp_path, tiny_bert_dir):
    """A tokenizer that fits the embedding table but is not the model's own: the run says so."""
    from transformers import AutoTokenizer, BertTokenizerFast

    from textbench.runs.build import foreign_tokenizer_note

    own = AutoTokenizer.from_pretrained(str(tiny_bert_dir))
    assert foreign_tokenizer_note(own, str(tiny_bert_dir), str(tiny_bert_dir)) is None
    assert foreign_tokenizer_note(own, str(tiny_bert_dir), None) is None
    vocab = sorted(own.get_vocab(), key=own.get_vocab().get)
    vocab_file = tmp_path / "vocab.txt"
    vocab_file.write_text("\n".join(vocab[:5] + list(reversed(vocab[5:]))) + "\n")
    other_dir = tmp_path / "other-tok"
    BertTokenizerFast(vocab_file=str(vocab_file)).save_pretrained(other_dir)
    other = AutoTokenizer.from_pretrained(str(other_dir))
    note = foreign_tokenizer_note(other, str(tiny_bert_dir), str(other_dir))
    assert note is not None and "not the model's own" in note and "same id" in note


def test_report_to_tensorboard_writes_event_files_and_an_unknown_tracker_is_refused(tmp_path, tiny_csv, tiny_bert_dir):
    from textbench.errors import ConfigError

    cfg = make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "train.report_to=[tensorboard]", "train.epochs=1")
    res = train_run(cfg, quiet=True)
    events = list((res.run_dir / "tensorboard").rglob("events.out.tfevents.*"))
    assert events and events[0].stat().st_size > 0  # TensorBoard's event files, in the run folder
    with pytest.raises(ConfigError, match="unknown tracker 'tensorbord'; known: tensorboard, mlflow"):
        make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "train.report_to=[tensorbord]")
    import importlib.util

    if importlib.util.find_spec("mlflow") is None:  # the lock does not install it
        with pytest.raises(ConfigError, match="mlflow is not installed here; pip install mlflow"):
            train_run(make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "train.report_to=[mlflow]", "output.name=ml"),
                      quiet=True)
        assert not (tmp_path / "runs" / "ml").exists()  # nothing left of the refused run


def test_report_to_mlflow_logs_into_a_local_store(tmp_path, tiny_csv, tiny_bert_dir, monkeypatch):
    """MLflow through the Trainer, offline: a local SQLite store (MLflow 3's file backend), the
    experiment named by train.project."""
    pytest.importorskip("mlflow", reason="mlflow-skinny comes with the dev and tracking extras")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{tmp_path / 'mlflow.db'}")
    monkeypatch.delenv("MLFLOW_EXPERIMENT_NAME", raising=False)
    cfg = make_cfg(tmp_path, tiny_csv, tiny_bert_dir, "train.report_to=[mlflow]", "train.project=my-study",
                   "train.epochs=1")
    train_run(cfg, quiet=True)
    import mlflow

    experiment = mlflow.get_experiment_by_name("my-study")
    assert experiment is not None
    runs = mlflow.search_runs([experiment.experiment_id], output_format="list")
    assert runs and "eval_macro_f1" in runs[0].data.metrics
