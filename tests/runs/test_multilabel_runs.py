"""Multi-label data through every method and model kind: one sigmoid per label and BCE, thresholds tuned
on validation and saved with the model, test metrics over them, and `textbench predict` returning the
labels over their thresholds."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from helpers.adapters import ADAPTERS
from helpers.cli import textbench
from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.runs.finetune import train_run
from textbench.runs.predictor import open_predictor

NAMES = ["music", "politics", "sport"]
SCRATCH = ["model.kind=scratch", "model.architecture={hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 4,"
           " intermediate_size: 64}", "tokenizer.train=wordpiece", "tokenizer.vocab_size=200",
           "tokenizer.min_frequency=1"]
# each code path of the loss: transformers' own head, a PEFT adapter, prefix tuning's cache, the probe's
# cached head, the freeze cache, and the from-scratch model family (about 2 s each); the rest of the PEFT
# family in the slow run (`pytest -m slow`), with the same checks
METHODS = {
    "full": [],
    "lora": ["method.name=lora", "method.r=4"],
    "prefix": ["method.name=prefix", "method.num_virtual_tokens=4"],
    "linear_probe": ["method.name=linear_probe"],
    "freeze": ["method.name=freeze", "method.trainable_layers=1"],
    "scratch": SCRATCH,
    "bitfit": ["method.name=bitfit"],
}


def _config(tmp_path, csv_path, bert, extra, epochs=2):
    overrides = [f"data.source={csv_path}", "data.label_column=labels", "data.multi_label=true",
                 'data.label_delimiter="|"', "tokenizer.max_length=32", f"train.epochs={epochs}", "train.batch_size=8",
                 "train.learning_rate=3e-3", "train.threads=1", "eval.reference_before_training=false",
                 f"output.dir={tmp_path}", "output.name=run", *extra]
    if not any(o.startswith("model.kind=scratch") for o in extra):
        overrides.append(f"model.name_or_path={bert}")
    return load_run_config(None, overrides)


def _check_run(result) -> None:
    run, m = result.run_dir, result.test_metrics
    assert m["multi_label"] is True and "confusion_matrix" not in m
    assert {"micro_f1", "samples_f1", "hamming_loss", "lrap"} <= set(m)
    assert (run / "per_label_f1.png").is_file() and not (run / "confusion_matrix.png").exists()
    saved = json.loads((run / "model" / "thresholds.json").read_text())["thresholds"]
    assert list(saved) == NAMES and all(0.05 <= t <= 0.95 for t in saved.values())
    assert [m["per_class"][n]["threshold"] for n in NAMES] == pytest.approx(list(saved.values()))
    assert m["cost"]["threshold_tuning_seconds"] >= 0  # the validation pass that tunes them, in the cost
    texts = list(prepare_data(load_run_config(run / "config.yaml").data).splits["test"]["text"])
    served = open_predictor(run).predictor
    assert served.multi_label  # the reloaded model's problem_type: multi_label_classification
    assert list(served.thresholds) == pytest.approx(list(saved.values()))
    probs = served.predict_proba(texts)
    rows = list(csv.DictReader(open(run / "test_predictions.csv")))
    stored = np.array([[float(r[f"p_{n}"]) for n in NAMES] for r in rows])
    np.testing.assert_allclose(probs, stored, atol=2e-6)  # reloads with the probabilities it measured
    assert not np.allclose(probs.sum(axis=1), 1.0)  # independent sigmoids, not a softmax
    predicted = [{NAMES[int(i)] for i in r["preds"].split()} for r in rows]
    over = [{n for n, p, t in zip(NAMES, row, saved.values()) if p >= t} for row in probs]
    assert predicted == over  # the stored predictions are the labels over their thresholds


@pytest.mark.parametrize("method", list(METHODS))
def test_every_kind_of_model_trains_on_multi_label_data(tmp_path, tiny_multilabel_csv, tiny_bert_dir, method):
    _check_run(train_run(_config(tmp_path, tiny_multilabel_csv, tiny_bert_dir, METHODS[method]), quiet=True))


@pytest.mark.slow
@pytest.mark.parametrize("method", list(ADAPTERS))
def test_every_adapter_trains_on_multi_label_data(tmp_path, tiny_multilabel_csv, tiny_bert_dir, method):
    _check_run(train_run(_config(tmp_path, tiny_multilabel_csv, tiny_bert_dir, ADAPTERS[method]), quiet=True))


def test_a_multi_label_model_learns_and_predict_returns_label_sets(tmp_path):
    import torch

    from conftest import tiny_multilabel
    from helpers.tiny_models import tiny_bert

    # a tiny random BERT learns this from most inits, not all: fix the weights (its WordPiece vocabulary
    # still varies with the tokenizers' hash order: 0.90 to 1.0 micro-F1 seen after 20 epochs)
    torch.manual_seed(0)
    bert = tiny_bert(tmp_path / "bert")
    data = tiny_multilabel(tmp_path, rows=210)
    result = train_run(_config(tmp_path, data, bert, [], epochs=30), quiet=True)
    m = result.test_metrics
    # the words decide the labels; predicting the priors gives micro-F1 about 0.6 and Hamming loss 0.43
    assert m["micro_f1"] > 0.85 and m["hamming_loss"] < 0.12, m
    inputs = tmp_path / "texts.txt"
    # every word of both labels: a text on the edge of a threshold would make the check depend on the run
    inputs.write_text("great love happy wonderful awful hate sad terrible\ntable monday paper street\n")
    out = textbench(["predict", str(result.run_dir), "--input", str(inputs), "--output", "-"])
    assert out.returncode == 0, out.stderr
    records = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["labels"] for r in records] == [["politics", "sport"], ["music"]]
    assert set(records[0]["probabilities"]) == set(NAMES) and "label" not in records[0]
    as_csv = textbench(["predict", str(result.run_dir), "--input", str(inputs), "--output", str(tmp_path / "p.csv")])
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(open(tmp_path / "p.csv")))
    assert [r["labels"] for r in rows] == ["politics|sport", "music"]  # joined by the run's data.label_delimiter


def test_balanced_class_weights_are_bce_pos_weights():
    from types import SimpleNamespace

    import torch

    from textbench.training.trainer import TextbenchTrainer, class_weight_tensor

    labels = [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0], [1.0, 0.0, 1.0]]
    weights = class_weight_tensor("balanced", labels, 3)
    assert weights.tolist() == pytest.approx([1 / 3, 3.0, 3.0])  # negatives / positives per label
    assert class_weight_tensor([1.0, 2.0, 3.0], labels, 3).tolist() == [1.0, 2.0, 3.0]
    logits = torch.tensor([[2.0, -1.0, 0.5]])
    target = torch.tensor([[1.0, 0.0, 1.0]])
    trainer = SimpleNamespace(class_weights=weights, args=SimpleNamespace(label_smoothing_factor=0.0))
    loss = TextbenchTrainer.compute_loss(trainer, lambda **inputs: {"logits": logits}, {"labels": target})
    by_hand = -(weights * target * torch.log(torch.sigmoid(logits))
                + (1 - target) * torch.log(1 - torch.sigmoid(logits))).mean()
    assert float(loss) == pytest.approx(float(by_hand))


def test_chunked_long_texts_keep_one_label_set_per_text(tmp_path, tiny_multilabel_csv, tiny_bert_dir):
    result = train_run(_config(tmp_path, tiny_multilabel_csv, tiny_bert_dir,
                               ["tokenizer.max_length=8", "tokenizer.long_text=chunk", "tokenizer.chunk_stride=2"]),
                       quiet=True)
    rows = list(csv.DictReader(open(result.run_dir / "test_predictions.csv")))
    assert len(rows) == result.test_metrics["num_examples"] == result.test_metrics["cost"]["test_examples"]
    history = json.loads((result.run_dir / "trainer_log.json").read_text())
    assert any("eval_hamming_loss" in h for h in history)  # validation metrics per text, over label sets
    _check_run(result)
