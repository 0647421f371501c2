"""End to end through `train_run` and `textbench predict`'s loader, one run per method (slow)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.inference import Predictor
from textbench.runs.finetune import train_run

RUNS = [
    ("llama", ["method.name=lora", "method.r=4"]),
    ("llama", ["method.name=freeze", "method.trainable_layers=1"]),
    ("bert", ["method.name=prefix", "method.num_virtual_tokens=4", "method.prefix_projection=true"]),
    ("bert", ["method.name=linear_probe", "method.probe_head=mlp"]),
]


@pytest.mark.parametrize("kind,method", RUNS, ids=[f"{k}-{m[0].split('=')[1]}" for k, m in RUNS])
def test_run_reloads_with_the_probabilities_it_measured(tmp_path, tiny_csv, tiny_paths, kind, method):
    cfg = load_run_config(None, [
        f"data.source={tiny_csv}", "data.text_column=review", "data.label_column=sentiment",
        f"model.name_or_path={tiny_paths[kind]}", "tokenizer.max_length=32", "train.epochs=2",
        "train.batch_size=8", "train.learning_rate=1e-3", f"output.dir={tmp_path / 'runs'}",
        "output.name=run", *method,
    ])
    res = train_run(cfg, quiet=True)
    params = res.test_metrics["cost"]["parameters"]
    assert params["total"] == params["backbone"] + params["head"] and 0 < params["trainable"] < params["total"]
    texts = prepare_data(load_run_config(res.run_dir / "config.yaml").data).splits["test"]["text"]
    saved = np.array([[float(v) for k, v in row.items() if k.startswith("p_")]
                      for row in csv.DictReader(open(res.run_dir / "test_predictions.csv"))])
    np.testing.assert_allclose(Predictor.from_run(res.run_dir).predict_proba(texts), saved, atol=2e-6)
