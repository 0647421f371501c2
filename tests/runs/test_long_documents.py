"""Long documents end to end: the label's evidence sits past the window, so only the strategies
that read it can learn it. Metrics, test predictions and `predict` stay per document."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.runs.finetune import train_run
from textbench.runs.predictor import open_predictor

FILLER = [f"filler{i}" for i in range(30)]
KEYS = {"pos": "splendid", "neg": "dreadful"}


def long_csv(path: Path, n: int = 240, words: int = 90, seed: int = 0) -> Path:
    """Texts of ``words`` neutral words with the one word that tells the label in their middle
    (words 35-55: past a 32-token window's reach from either end)."""
    rng = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        for i in range(n):
            label = "pos" if i % 2 else "neg"
            body = [rng.choice(FILLER) for _ in range(words)]
            body[rng.randint(35, 55)] = KEYS[label]
            w.writerow([" ".join(body), label])
    return path


def _run(tmp_path: Path, data: Path, strategy: str, *extra: str):
    cfg = load_run_config(None, [
        f"data.source={data}", "model.kind=scratch", "tokenizer.train=wordpiece", "tokenizer.vocab_size=100",
        "tokenizer.max_length=32", f"tokenizer.long_text={strategy}", "tokenizer.chunk_stride=8",
        "model.architecture={hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64,"
        " pooling: max}",
        "train.epochs=10", "train.batch_size=16", "train.learning_rate=3e-3", "train.threads=1",
        f"output.dir={tmp_path}", f"output.name={strategy}", *extra])
    return train_run(cfg, quiet=True)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("long")
    data = long_csv(tmp / "long.csv")
    return data, {s: _run(tmp, data, s) for s in ("truncate", "head_tail", "chunk")}


def test_chunk_reads_what_truncation_and_head_tail_cannot(runs):
    _, results = runs
    f1 = {s: r.test_metrics["macro_f1"] for s, r in results.items()}
    assert f1["chunk"] >= 0.9, f1
    assert f1["truncate"] <= 0.75 and f1["head_tail"] <= 0.75, f1  # chance is 0.5
    test_rows = results["chunk"].test_metrics["cost"]["test_examples"]
    assert test_rows == results["truncate"].test_metrics["cost"]["test_examples"]  # per document, not per window
    assert sum(map(sum, results["chunk"].test_metrics["confusion_matrix"])) == test_rows


def test_predict_aggregates_windows_per_document(runs):
    data, results = runs
    run = results["chunk"].run_dir
    texts = prepare_data(load_run_config(run / "config.yaml").data).splits["test"]["text"]
    served = open_predictor(run)
    probs = served.predictor.predict_proba(texts)
    assert probs.shape == (len(texts), 2)  # one row per document
    saved = np.array([[float(r["p_neg"]), float(r["p_pos"])] for r in csv.DictReader(open(run / "test_predictions.csv"))])
    np.testing.assert_allclose(probs, saved, atol=2e-6)


def test_a_probe_with_its_frozen_cache_trains_on_windows(tmp_path, tiny_bert_dir):
    data = long_csv(tmp_path / "long.csv", n=60)
    cfg = load_run_config(None, [
        f"data.source={data}", f"model.name_or_path={tiny_bert_dir}", "method.name=linear_probe",
        "tokenizer.max_length=32", "tokenizer.long_text=chunk", "train.epochs=1", "train.batch_size=16",
        "train.threads=1", "eval.reference_before_training=false", f"output.dir={tmp_path}", "output.name=probe"])
    result = train_run(cfg, quiet=True)
    metrics = result.test_metrics
    assert "frozen_cache_seconds" in metrics["cost"]  # the frozen part ran once, over every window
    texts = prepare_data(load_run_config(result.run_dir / "config.yaml").data).splits["test"]["text"]
    assert metrics["cost"]["test_examples"] == len(texts)
    saved = np.array([[float(r["p_neg"]), float(r["p_pos"])]
                      for r in csv.DictReader(open(result.run_dir / "test_predictions.csv"))])
    np.testing.assert_allclose(open_predictor(result.run_dir).predictor.predict_proba(texts), saved, atol=2e-6)
