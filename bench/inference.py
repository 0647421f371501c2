"""Target 5: `textbench predict` against `transformers.pipeline("text-classification")`, same model.

    python -m bench inference [--quick]

The model is a saved textbench run: MiniLM-L6 (``builtin:minilm-l6``) fully fine-tuned for 2 epochs on
4,000 rows of the emotion training set (``../shared/datasets/emotion``; without it the built-in
tweets-sentiment, said in the result): a model as confident as one a user deploys, so that the int8
rows' label agreement means what it would in use (a weak probe's near-ties flip far more often).
Both sides use the very same model object (loaded once from the run folder with the loader
`textbench predict` uses) and the test texts:

- textbench: `Predictor.from_run(...)` as `textbench predict` builds it (length-sorted batches of 64,
  dynamic padding, inference mode), timing tokenisation and prediction (``timed_predict``);
- pipeline, as its documentation shows it: ``pipeline("text-classification", model=model,
  tokenizer=tokenizer)`` then ``pipe(texts)`` (one text per forward, its default), and the same with
  ``batch_size=32`` (batched, padded to the longest text of each batch, in input order);
- optional: the textbench path on a dynamic-int8 copy (``torch.ao.quantization.quantize_dynamic`` on
  every ``nn.Linear``), with its accuracy change.
- ONNX Runtime: the model exported by ``textbench export`` (fp32 and ONNX Runtime's dynamic int8),
  the path of ``textbench predict --backend onnxruntime``; and two int8 copies made here that keep
  the feed-forward projections in fp32 (where int8 changes most labels), to measure that trade.

Each is timed after a warm-up call on 64 texts; full mode keeps the best of 3 passes over the whole
test set (quick: 1 pass over 400 texts). Also reported: ``textbench predict`` end to end as a
command (Python start, model load, reading and writing files).

Targets: the `textbench predict` path >= 2x the documented pipeline (issue 6), and the ONNX Runtime
path >= 3x ``pipeline(batch_size=32)`` with labels agreeing with PyTorch's on >= 99.5% of texts
(issue 19).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, fmt, md_table

EMOTION = ROOT.parent / "shared" / "datasets" / "emotion"
TARGET = 2.0
ONNX_TARGET, ONNX_AGREEMENT = 3.0, 0.995  # vs pipeline(batch_size=32); labels the same as PyTorch's
ONNX_ROWS = ("onnxruntime", "onnxruntime_int8", "onnxruntime_int8_ffn_out_fp32", "onnxruntime_int8_ffn_fp32")


def _train_model(out: Path, quick: bool) -> tuple[Path, str, str]:
    """A fully fine-tuned MiniLM run; returns (run folder, data source, note)."""
    from textbench.config import load_run_config
    from textbench.runs.finetune import train_run

    if EMOTION.is_dir():
        source, note = str(EMOTION), "emotion test set (../shared/datasets/emotion)"
    else:
        source = "builtin:tweets-sentiment"
        note = "../shared/datasets/emotion is missing: built-in tweets-sentiment test split instead"
    overrides = [f"data.source={source}", f"train.epochs={1 if quick else 2}", "eval.reference_before_training=false",
                 f"output.dir={out}", "output.name=full",
                 f"data.max_train_samples={300 if quick else 4000}", f"data.max_eval_samples={200 if quick else 500}"]
    cfg = load_run_config(ROOT / "configs" / "minilm-full.yaml", overrides)
    res = train_run(cfg, quiet=True)
    return res.run_dir, source, note


def _test_split(source: str) -> tuple[list[str], list[str]]:
    from textbench.config import load_run_config
    from textbench.data import prepare_data

    cfg = load_run_config(ROOT / "configs" / "minilm-full.yaml", [f"data.source={source}"])
    prepared = prepare_data(cfg.data)
    test = prepared.splits["test"]
    return list(test["text"]), [prepared.label_names[i] for i in test["label"]]


def _best(fn, repeats: int) -> tuple[float, Any]:
    best, out = float("inf"), None
    for _ in range(repeats):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def quantize_int8(model):
    from textbench.inference.quantize import quantize_dynamic_int8

    return quantize_dynamic_int8(model)


def run(quick: bool) -> dict[str, Any]:
    import torch
    from transformers import pipeline
    from transformers.utils import logging as hf_logging

    from textbench.inference import Predictor

    hf_logging.set_verbosity_error()
    logging.getLogger("textbench").setLevel(logging.WARNING)
    repeats = 1 if quick else 3
    with tempfile.TemporaryDirectory(prefix="bench-inference-") as tmp:
        t = time.perf_counter()
        run_dir, source, data_note = _train_model(Path(tmp), quick)
        train_s = time.perf_counter() - t
        texts, gold = _test_split(source)
        if quick:
            step = max(1, len(texts) // 400)  # every k-th text: all classes, whatever the file order
            texts, gold = texts[::step][:400], gold[::step][:400]
        n = len(texts)
        pred = Predictor.from_run(run_dir)  # what `textbench predict` builds (batch size 64)
        model, tok = pred.model, pred.tokenizer
        names = pred.label_names
        rows: dict[str, dict[str, Any]] = {}

        def ours() -> list[str]:
            probs, _ = pred.timed_predict(texts)
            return [names[int(i)] for i in probs.argmax(1)]

        pred.predict_proba(texts[:64])
        secs, labels_ours = _best(ours, repeats)
        rows["textbench"] = {"seconds": secs, "labels": labels_ours}

        pipe = pipeline("text-classification", model=model, tokenizer=tok, device=pred.device)
        for key, kwargs in (("pipeline", {}), ("pipeline_batch32", {"batch_size": 32})):
            pipe(texts[:64], truncation=True, **kwargs)
            secs, out = _best(lambda kw=kwargs: pipe(texts, truncation=True, **kw), repeats)
            rows[key] = {"seconds": secs, "labels": [o["label"] for o in out]}

        # optional: dynamic int8
        try:
            qmodel = quantize_int8(copy.deepcopy(model))
            qpred = Predictor(qmodel, tok, label_names=names, max_length=pred.max_length, batch_size=pred.batch_size)
            qpred.predict_proba(texts[:64])

            def q() -> list[str]:
                probs = qpred.predict_proba(texts)
                return [names[int(i)] for i in probs.argmax(1)]

            secs, labels_q = _best(q, repeats)
            rows["textbench_int8"] = {"seconds": secs, "labels": labels_q}
        except Exception as e:  # quantisation missing in this torch build
            rows["textbench_int8"] = {"error": f"{type(e).__name__}: {e}"}

        # ONNX Runtime: the model exported by `textbench export` (fp32 and dynamic int8), same texts
        try:
            from textbench.inference.onnx_export import INT8_FILE, MODEL_FILE, export_onnx
            from textbench.inference.onnx_predictor import OnnxPredictor

            exported = export_onnx(run_dir, int8=True)
            files = {"onnxruntime": exported.folder / MODEL_FILE, "onnxruntime_int8": exported.folder / INT8_FILE,
                     **_int8_keeping_ffn(exported.folder)}
            for key, file in files.items():
                opred = OnnxPredictor(file, tok, names, pred.max_length)
                opred.predict_proba(texts[:64])

                def o(p=opred) -> list[str]:
                    return [names[int(i)] for i in p.predict_proba(texts).argmax(1)]

                secs, labels_o = _best(o, repeats)
                rows[key] = {"seconds": secs, "labels": labels_o}
        except Exception as e:  # the onnx extra not installed
            rows["onnxruntime"] = {"error": f"{type(e).__name__}: {e}"}

        # the command end to end (one pass; Python start and model load included)
        inp, outp = Path(tmp) / "texts.txt", Path(tmp) / "pred.jsonl"
        inp.write_text("\n".join(t.replace("\n", " ") for t in texts) + "\n", encoding="utf-8")
        t = time.perf_counter()
        cp = subprocess.run([sys.executable, "-m", "textbench", "predict", str(run_dir), "--input", str(inp),
                             "--output", str(outp)], capture_output=True, text=True,
                            env={**os.environ, "PYTHONWARNINGS": "ignore"})
        cli_s = time.perf_counter() - t
        cli = {"seconds": round(cli_s, 2), "returncode": cp.returncode}
        if cp.returncode == 0:
            cli_labels = [json.loads(x)["label"] for x in outp.read_text(encoding="utf-8").splitlines()]
            cli["agree_with_in_process"] = round(sum(a == b for a, b in zip(cli_labels, labels_ours)) / n, 4)
        else:
            cli["error"] = cp.stderr.strip().splitlines()[-1:] or ["?"]

    out_rows = {}
    for k, r in rows.items():
        if "error" in r:
            out_rows[k] = r
            continue
        lab = r.pop("labels")
        out_rows[k] = {"seconds": round(r["seconds"], 3), "texts_per_second": round(n / r["seconds"], 1),
                       "accuracy": round(sum(a == b for a, b in zip(lab, gold)) / n, 4),
                       "agreement_with_textbench": round(sum(a == b for a, b in zip(lab, labels_ours)) / n, 4)}
    tb = out_rows["textbench"]["texts_per_second"]
    return {
        "model": "builtin:minilm-l6, fully fine-tuned here (configs/minilm-full.yaml, "
                 f"{1 if quick else 2} epoch(s) on {300 if quick else 4000} training rows)",
        "data": data_note, "data_source": source, "texts": n, "repeats": repeats,
        "setup_seconds": round(train_s, 1), "threads": torch.get_num_threads(), "device": str(pred.device),
        "results": out_rows, "cli": cli,
        "ratio_vs_pipeline": round(tb / out_rows["pipeline"]["texts_per_second"], 2),
        "ratio_vs_pipeline_batch32": round(tb / out_rows["pipeline_batch32"]["texts_per_second"], 2),
        "onnx_vs_pipeline_batch32": {k: round(out_rows[k]["texts_per_second"]
                                              / out_rows["pipeline_batch32"]["texts_per_second"], 2)
                                     for k in ONNX_ROWS if "texts_per_second" in out_rows.get(k, {})},
    }


def _int8_keeping_ffn(folder: Path) -> dict[str, Path]:
    """Dynamic int8 copies of ``folder/model.onnx`` that keep feed-forward MatMuls in fp32 (row -> file).

    The FFN's output projection reads the GELU's activations, whose outliers one per-tensor activation
    scale serves worst: the int8 rows measure what keeping it (and the FFN's input projection) in full
    precision buys in label agreement and costs in speed. FFN weights are found by shape: (H, I) in,
    (I, H) out, I the largest weight dimension.
    """
    import onnx

    from textbench.inference.onnx_export import MODEL_FILE, quantize_int8

    graph = onnx.load(str(folder / MODEL_FILE), load_external_data=False).graph
    dims = {t.name: tuple(t.dims) for t in graph.initializer if len(t.dims) == 2}
    weights = [(n.name, dims[n.input[1]]) for n in graph.node if n.op_type == "MatMul" and n.input[1] in dims]
    inner = max(d[0] for _, d in weights)
    ffn_out = [n for n, d in weights if d[0] == inner]
    ffn_in = [n for n, d in weights if d[1] == inner]
    out = {}
    for key, keep in (("onnxruntime_int8_ffn_out_fp32", ffn_out), ("onnxruntime_int8_ffn_fp32", ffn_in + ffn_out)):
        out[key] = folder / f"{key}.onnx"
        quantize_int8(folder / MODEL_FILE, out[key], keep_fp32=keep)
    return out


def verdict(result: dict) -> dict:
    r1, r32 = result["ratio_vs_pipeline"], result["ratio_vs_pipeline_batch32"]
    agree = min(result["results"][k]["agreement_with_textbench"] for k in ("pipeline", "pipeline_batch32"))
    met = r1 >= TARGET and agree >= 0.999
    note = (f"{r1:g}x the pipeline as documented (one text per call) and {r32:g}x the pipeline with batch_size=32;"
            f" predictions agree on {100 * agree:.1f}% of texts")
    onnx = _onnx_verdict(result)
    measured = f"{r1:g}x vs pipeline default, {r32:g}x vs pipeline batch_size=32"
    if onnx is not None:
        measured += "; " + onnx["measured"]
        note += "; " + onnx["note"]
        met = met and onnx["met"]
    if r32 < TARGET:
        note += ("; against a batched pipeline the gain is only sorting by length (less padding) and one fast"
                 " tokeniser call for all texts: the model's matrix multiplies are the same work on both sides")
    target = ">= 2x the texts per second of transformers.pipeline('text-classification'), same model"
    if onnx is not None:
        target += (f"; ONNX Runtime >= {ONNX_TARGET:g}x pipeline(batch_size=32) with >= {100 * ONNX_AGREEMENT:g}% of"
                   " labels as PyTorch's")
    return {"target": target, "measured": measured, "met": met, "note": note}


def _onnx_verdict(result: dict) -> dict | None:
    """The ONNX Runtime clause: the fastest ONNX row whose labels agree enough, else the best there is."""
    ratios = result.get("onnx_vs_pipeline_batch32") or {}
    if not ratios:
        return None
    agree = {k: result["results"][k]["agreement_with_textbench"] for k in ratios}
    parts = [f"{k.replace('onnxruntime', 'ONNX').replace('_', ' ')} {ratios[k]:g}x at {100 * agree[k]:.2f}%"
             for k in ratios]
    met = any(ratios[k] >= ONNX_TARGET and agree[k] >= ONNX_AGREEMENT for k in ratios)
    note = ("ONNX Runtime against pipeline(batch_size=32), labels as PyTorch's: " + ", ".join(parts))
    return {"measured": ", ".join(parts) + " vs pipeline batch 32", "met": met, "note": note}


# One-off measurements behind the ONNX clause's verdict (not repeated by this script; dated).
ONNX_GAP = (
    "**Where the ONNX gap lies** (one-off scripts, not kept, on this benchmark's model; trained again on"
    " 2026-12-08 with the same recipe, it gave the same 0.7535 test accuracy). In fp32, ONNX Runtime runs"
    " at the PyTorch path's speed: both spend the time in the same matrix multiplies, and ONNX Runtime's"
    " transformer fusions (`onnxruntime.transformers.optimizer`) fuse"
    " only BiasGelu and SkipLayerNorm in our dynamo export, about 4% faster (2026-12-07). So 3x needs int8,"
    " and int8 changes labels. Which MatMuls to keep in fp32 (2026-12-08, AVX2 machine): each of the 36"
    " MatMuls quantised alone changes 0.5% to 1.6% of 1,000 validation labels, so no single one is to blame;"
    " keeping the 10 most sensitive (ranked by the divergence of the probabilities from fp32's) in fp32"
    " gives 99.0% of test labels as PyTorch's, against 97.35% with all in int8. The changes are not only"
    " near-ties: with all in int8, 0.56% of the texts whose top two probabilities are 0.1 or more apart"
    " change label (the widest margin changed: 0.45); with the 10 in fp32, 0.06% (widest 0.145). On this"
    " model no mix of int8 and fp32 MatMuls tried reached 99.5%."
)


def markdown(result: dict) -> str:
    names = {"textbench": "`textbench predict` path (Predictor, sorted batches of 64)",
             "pipeline": "`pipeline(...)(texts)` (documented use: batch size 1)",
             "pipeline_batch32": "`pipeline(...)(texts, batch_size=32)`",
             "textbench_int8": "`textbench predict --quantize int8` (dynamic int8 Linear)",
             "onnxruntime": "`textbench predict --backend onnxruntime` (`textbench export`, fp32)",
             "onnxruntime_int8": "`--backend onnxruntime --quantize int8` (ONNX Runtime dynamic int8, per-channel weights)",
             "onnxruntime_int8_ffn_out_fp32": "ONNX Runtime dynamic int8, FFN output projections in fp32 (bench only)",
             "onnxruntime_int8_ffn_fp32": "ONNX Runtime dynamic int8, both FFN projections in fp32 (bench only)"}
    rows = []
    for k, r in result["results"].items():
        if "error" in r:
            rows.append([names.get(k, k), r["error"], "–", "–", "–"])
        else:
            rows.append([names.get(k, k), fmt(r["seconds"]), fmt(r["texts_per_second"]), f"{r['accuracy']:.4f}",
                         f"{100 * r['agreement_with_textbench']:.1f}%"])
    cli = result["cli"]
    onnx = _onnx_verdict(result)
    q = result["results"].get("textbench_int8", {})
    base = result["results"]["textbench"]
    qline = ""
    if "texts_per_second" in q:
        qline = (f"\n\nDynamic int8: {q['texts_per_second'] / base['texts_per_second']:.2f}x the fp32 texts per"
                 f" second, test accuracy {q['accuracy'] - base['accuracy']:+.4f}, {100 * q['agreement_with_textbench']:.1f}%"
                 " of predictions unchanged. It changes results, so it is opt-in (`textbench predict --quantize int8`),"
                 " never a default.")
    return (
        f"Model: {result['model']}. Data: {result['data']}, {result['texts']:,} texts. Device"
        f" `{result['device']}`, {result['threads']} torch threads; best of {result['repeats']} pass(es) after a"
        f" warm-up; tokenisation included everywhere. The same model object serves every row.\n\n"
        + md_table(["path", "seconds", "texts / s", "test accuracy", "same label as textbench"], rows)
        + f"\n\nRatio: **{result['ratio_vs_pipeline']:g}x** the pipeline as documented,"
        f" **{result['ratio_vs_pipeline_batch32']:g}x** the pipeline with `batch_size=32`."
        f" The command `textbench predict RUN --input texts.txt --output out.jsonl` end to end (Python start,"
        f" imports, model load, files): {cli.get('seconds')} s for the {result['texts']:,} texts"
        + (f", labels identical to the in-process path on {100 * cli['agree_with_in_process']:.1f}% of texts."
           if "agree_with_in_process" in cli else f" (failed: {cli.get('error')}).")
        + qline
        + (f"\n\n{onnx['note']}.\n\n{ONNX_GAP}" if onnx else "")
    )


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["inference", *sys.argv[1:]]))
