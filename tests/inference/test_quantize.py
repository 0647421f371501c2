"""`textbench predict --quantize int8`: opt-in dynamic int8, close to the fp32 model, the same output format."""

from __future__ import annotations

import json

import numpy as np
import pytest
from torch import nn

from textbench.cli import main
from textbench.config import load_run_config
from textbench.errors import ConfigError
from textbench.inference import Predictor
from textbench.inference.quantize import quantize_dynamic_int8
from textbench.runs.finetune import train_run


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory, tiny_csv_module, tiny_bert_dir):
    out = tmp_path_factory.mktemp("runs")
    cfg = load_run_config(None, [f"data.source={tiny_csv_module}", "data.text_column=review",
                                 "data.label_column=sentiment", f"model.name_or_path={tiny_bert_dir}",
                                 "tokenizer.max_length=32", "train.epochs=2", "train.batch_size=8",
                                 "train.learning_rate=1e-3", "eval.reference_before_training=false",
                                 f"output.dir={out}", "output.name=tiny"])
    return train_run(cfg, quiet=True).run_dir


TEXTS = ["great love happy item1", "awful hate sad", "table monday paper street", "good", "bad window"]


def test_int8_predictor_is_quantized_and_close_to_fp32(tiny_run):
    fp32 = Predictor.from_run(tiny_run)
    int8 = Predictor.from_run(tiny_run, quantize="int8")
    assert not any(type(m) is nn.Linear for m in int8.model.modules())  # every Linear swapped
    assert any(type(m) is nn.Linear for m in fp32.model.modules())
    p32, p8 = fp32.predict_proba(TEXTS), int8.predict_proba(TEXTS)
    assert p8.shape == p32.shape and np.allclose(p8.sum(1), 1, atol=1e-5)
    assert np.abs(p8 - p32).max() < 0.05


def test_predict_command_with_quantize(tiny_run, tmp_path, capsys):
    inp = tmp_path / "texts.txt"
    inp.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(tiny_run), "--input", str(inp), "--output", str(out), "--quantize", "int8"]) == 0
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in recs] == TEXTS
    assert all(set(r["probabilities"]) == {"neg", "neu", "pos"} and r["label"] in r["probabilities"] for r in recs)


def test_bad_quantize_values(tiny_run, tmp_path, capsys):
    with pytest.raises(ConfigError, match="unknown quantize"):
        Predictor.from_run(tiny_run, quantize="int4")
    inp = tmp_path / "t.txt"
    inp.write_text("good\n", encoding="utf-8")
    with pytest.raises(SystemExit) as e:  # argparse refuses other choices
        main(["predict", str(tiny_run), "--input", str(inp), "--quantize", "fp16"])
    assert e.value.code == 2


def test_quantize_refuses_gpu_models():
    class Fake(nn.Module):
        def parameters(self, recurse=True):
            import torch

            yield torch.nn.Parameter(torch.zeros(1, device="meta"))

    with pytest.raises(ConfigError, match="CPU only"):
        quantize_dynamic_int8(Fake())


def test_an_empty_line_is_kept_in_place_and_marked_not_predicted(tiny_run, tmp_path, capsys):
    inp = tmp_path / "texts.txt"
    inp.write_text("good\n\nbad window\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert main(["predict", str(tiny_run), "--input", str(inp), "--output", str(out)]) == 0
    recs = [json.loads(x) for x in out.read_text(encoding="utf-8").splitlines()]
    assert [r["text"] for r in recs] == ["good", "", "bad window"]  # line 2 of the output is line 2 of the input
    assert recs[1]["label"] is None and recs[1]["skipped"] == "empty text" and recs[0]["label"] is not None
    assert "1 empty row(s)" in capsys.readouterr().err


def test_predict_writes_csv_with_the_label_its_probability_and_every_class(tiny_run, tmp_path):
    import csv

    inp = tmp_path / "texts.txt"
    inp.write_text("good\nbad window\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    assert main(["predict", str(tiny_run), "--input", str(inp), "--output", str(out)]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["text"] for r in rows] == ["good", "bad window"]
    for r in rows:
        probs = {k[2:]: float(v) for k, v in r.items() if k.startswith("p_")}
        assert set(probs) == {"neg", "neu", "pos"} and r["label"] == max(probs, key=probs.get)
        assert float(r["probability"]) == probs[r["label"]]
