"""Each adapter of the wider PEFT family through the one training path: the run trains, saves,
and its folder predicts what was measured at the end of training (`textbench predict`)."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from helpers.adapters import ADAPTERS
from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.runs.finetune import train_run
from textbench.runs.predictor import open_predictor

METHODS = {**ADAPTERS, "adalora": [*ADAPTERS["adalora"], "train.epochs=2"]}  # AdaLoRA prunes ranks in epoch 2


@pytest.mark.parametrize("method", list(METHODS))
def test_adapter_run_predicts_what_it_measured(tmp_path, tiny_csv, tiny_bert_dir, method):
    cfg = load_run_config(None, [
        f"data.source={tiny_csv}", "data.text_column=review", "data.label_column=sentiment",
        f"model.name_or_path={tiny_bert_dir}", "tokenizer.max_length=32", "train.epochs=1", "train.batch_size=8",
        "train.learning_rate=5e-3", "train.threads=1", "eval.reference_before_training=false",
        f"output.dir={tmp_path}", "output.name=run", *METHODS[method]])
    result = train_run(cfg, quiet=True)
    if method == "adalora":  # ranks were pruned during the run: zeros in the saved singular values
        import json

        from safetensors.torch import load_file

        saved = json.loads((result.run_dir / "model" / "adapter_config.json").read_text())
        assert saved["total_step"] == result.test_metrics["cost"]["global_steps"]
        values = [t for k, t in load_file(result.run_dir / "model" / "adapter_model.safetensors").items()
                  if "lora_E" in k]
        assert values and 0 < sum(int((t == 0).sum()) for t in values) < sum(t.numel() for t in values)
    cost = result.test_metrics["cost"]["parameters"]
    assert 0 < cost["trainable_adapter"] < cost["total"]  # an adapter, counted apart from the model
    assert (result.run_dir / "model" / "adapter_config.json").is_file()
    texts = prepare_data(load_run_config(result.run_dir / "config.yaml").data).splits["test"]["text"]
    probs = open_predictor(result.run_dir).predictor.predict_proba(texts)
    saved = np.array([[float(r[f"p_{n}"]) for n in ("neg", "neu", "pos")]
                      for r in csv.DictReader(open(result.run_dir / "test_predictions.csv"))])
    np.testing.assert_allclose(probs, saved, atol=2e-6)
