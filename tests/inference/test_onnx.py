"""`textbench export RUN` (ONNX, checked against PyTorch) and `predict --backend onnxruntime`."""

from __future__ import annotations

import json

import numpy as np
import pytest

from textbench.cli import main
from textbench.config import load_run_config
from textbench.runs.finetune import train_run

pytest.importorskip("onnxruntime", reason="the onnx extra (in the dev install)")

TEXTS = ["great love happy item1", "awful hate sad", "table monday paper street", "good", "bad window"]


def _run(root, tiny_csv, tiny_bert_dir, name, *extra):
    cfg = load_run_config(None, [f"data.source={tiny_csv}", "data.text_column=review", "data.label_column=sentiment",
                                 f"model.name_or_path={tiny_bert_dir}", "tokenizer.max_length=32", "train.epochs=1",
                                 "train.batch_size=8", "train.learning_rate=1e-3", "train.threads=1",
                                 "eval.reference_before_training=false", f"output.dir={root}", f"output.name={name}",
                                 *extra])
    return train_run(cfg, quiet=True).run_dir


def _predict_both(run, tmp_path) -> dict[str, list[dict]]:
    """`textbench predict` records for TEXTS with each backend."""
    inp = tmp_path / "texts.txt"
    inp.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    outs = {}
    for backend in ("torch", "onnxruntime"):
        out = tmp_path / f"{backend}.jsonl"
        assert main(["predict", str(run), "--input", str(inp), "--output", str(out), "--backend", backend]) == 0
        outs[backend] = [json.loads(x) for x in out.read_text().splitlines()]
    return outs


def _weight_scale_sizes(path) -> set[int]:
    """Sizes of the scales of the int8 model's quantized weights (1 = one scale per tensor)."""
    import onnx

    g = onnx.load(str(path))
    inits = {i.name: i for i in g.graph.initializer}
    sizes = set()
    for node in g.graph.node:
        if node.op_type == "MatMulInteger" and node.input[1] in inits:  # (activation, int8 weight, ...)
            scale = inits.get(node.input[1].replace("_quantized", "_scale"))
            assert scale is not None, node.input[1]
            sizes.add(int(np.prod(scale.dims)) if scale.dims else 1)
    assert sizes, "no quantized MatMul"
    return sizes


SCRATCH = ["model.kind=scratch", "tokenizer.train=wordpiece", "tokenizer.vocab_size=300",
           "model.architecture={hidden_size: 32, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 64,"
           " pooling: mean}"]


@pytest.mark.parametrize("method", [[], ["method.name=lora", "method.r=4"], ["method.name=loha", "method.r=4"], SCRATCH,
                                    ["method.name=linear_probe", "method.probe_pooling=mean"]],
                         ids=["full", "lora-merged", "loha-merged", "textbench-scratch", "probe-mean-pooling"])
def test_export_matches_pytorch_and_predict_serves_it(tmp_path, tiny_csv, tiny_bert_dir, capsys, method):
    run = _run(tmp_path / "runs", tiny_csv, tiny_bert_dir, "r", *method)
    assert main(["export", str(run), "--int8"]) == 0
    said = capsys.readouterr().out
    assert "probabilities within" in said and "tolerance 0.0001" in said and "same label on" in said
    info = json.loads((run / "onnx" / "export.json").read_text())
    assert info["max_abs_diff"] <= 1e-4 and info["checked_texts"] > 0
    assert _weight_scale_sizes(run / "onnx" / "model.int8.onnx") - {1}, "int8 weights: one scale per channel"
    outs = _predict_both(run, tmp_path)
    assert [r["label"] for r in outs["torch"]] == [r["label"] for r in outs["onnxruntime"]]
    diff = max(abs(a["probabilities"][k] - b["probabilities"][k])
               for a, b in zip(outs["torch"], outs["onnxruntime"]) for k in a["probabilities"])
    assert diff <= 1e-4


def test_export_refuses_what_it_cannot_serve(tmp_path, tiny_csv, tiny_bert_dir, capsys):
    run = _run(tmp_path / "runs", tiny_csv, tiny_bert_dir, "r")
    inp = tmp_path / "t.txt"
    inp.write_text("good\n", encoding="utf-8")
    assert main(["predict", str(run), "--input", str(inp), "--backend", "onnxruntime"]) == 2
    assert f"export it first: textbench export {run}" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "config.yaml").write_text("{}\n")
    assert main(["export", str(tmp_path / "empty")]) == 2
    assert "has no saved model" in capsys.readouterr().err
    prefix = _run(tmp_path / "runs", tiny_csv, tiny_bert_dir, "p", "method.name=prefix", "method.num_virtual_tokens=4")
    assert main(["export", str(prefix)]) == 2
    assert "prefix tuning" in capsys.readouterr().err and not (prefix / "onnx").exists()


def test_onnx_probabilities_are_softmaxed_logits(tmp_path, tiny_csv, tiny_bert_dir):
    from textbench.inference import Predictor
    from textbench.inference.onnx_export import export_onnx
    from textbench.inference.onnx_predictor import OnnxPredictor

    run = _run(tmp_path / "runs", tiny_csv, tiny_bert_dir, "r")
    export_onnx(run, texts=TEXTS)
    p = OnnxPredictor.from_run(run).predict_proba(TEXTS)
    assert np.allclose(p.sum(1), 1, atol=1e-5)
    assert np.abs(p - Predictor.from_run(run).predict_proba(TEXTS)).max() <= 1e-4


def test_a_multi_label_run_exports_with_its_thresholds(tmp_path, tiny_multilabel_csv, tiny_bert_dir, capsys):
    cfg = load_run_config(None, [f"data.source={tiny_multilabel_csv}", "data.label_column=labels",
                                 "data.multi_label=true", 'data.label_delimiter="|"',
                                 f"model.name_or_path={tiny_bert_dir}", "tokenizer.max_length=32", "train.epochs=2",
                                 "train.batch_size=8", "train.learning_rate=3e-3", "train.threads=1",
                                 "eval.reference_before_training=false", f"output.dir={tmp_path / 'runs'}",
                                 "output.name=ml"])
    run = train_run(cfg, quiet=True).run_dir
    assert main(["export", str(run), "--int8"]) == 0
    info = json.loads((run / "onnx" / "export.json").read_text())
    saved = json.loads((run / "model" / "thresholds.json").read_text())["thresholds"]
    assert info["multi_label"] is True and info["thresholds"] == list(saved.values())
    assert info["max_abs_diff"] <= 1e-4 and 0.0 <= info["int8_label_agreement"] <= 1.0
    outs = _predict_both(run, tmp_path)
    assert [r["labels"] for r in outs["torch"]] == [r["labels"] for r in outs["onnxruntime"]]
    for record in outs["onnxruntime"]:  # sigmoids over the saved thresholds, not one softmax
        assert record["labels"] == [n for n, p in record["probabilities"].items() if p >= saved[n]]
