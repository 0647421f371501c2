"""Target 6: time per epoch and per run against training-set size, from scratch and LoRA.

    python -m bench data_scaling [--quick]

Emotion (``../shared/datasets/emotion``; the built-in tweets-sentiment without it, said in the
result) subsampled to 1k / 4k / 16k training rows (quick: 250 / 500 / 1k), validation and test fixed
(capped at 1,000 rows each; quick 200). Two models, 1 epoch each:

- ``scratch``: configs/scratch-encoder.yaml (4 layers, width 192, WordPiece tokenizer trained on the
  training texts; the tokenizer cache is off here, so training the tokenizer is part of every run);
- ``lora``: configs/minilm-lora.yaml (MiniLM-L6, rank 8 on query/value).

Per size: ``prepare_data`` (read, clean, split, subsample) timed on its own; then ``train_run`` timed
as a whole (tokenizer, model build, tokenisation, the epoch with its validation, test prediction,
saving, plots), with the Trainer's epoch time and the test inference time from ``test_metrics.json``.
Fit: time = a + b * rows (least squares); linearity: the marginal cost per row between the two
largest sizes over that between the two smallest (1 = linear; > 1 = super-linear overhead).
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, fmt, md_table

EMOTION = ROOT.parent / "shared" / "datasets" / "emotion"
MODELS = {"scratch": ROOT / "configs" / "scratch-encoder.yaml", "lora": ROOT / "configs" / "minilm-lora.yaml"}
SIZES_FULL = (1000, 4000, 16000)
SIZES_QUICK = (250, 500, 1000)
LINEAR_TOLERANCE = 1.25


def _fit(xs: list[float], ys: list[float]) -> dict[str, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx if sxx else 0.0
    a = my - b * mx
    ss = sum((y - my) ** 2 for y in ys)
    r2 = 1 - sum((y - a - b * x) ** 2 for x, y in zip(xs, ys)) / ss if ss else 1.0
    # marginal seconds per row: last interval over first interval
    m_first = (ys[1] - ys[0]) / (xs[1] - xs[0])
    m_last = (ys[-1] - ys[-2]) / (xs[-1] - xs[-2])
    return {"a_seconds": round(a, 2), "b_ms_per_row": round(1000 * b, 3), "r2": round(r2, 4),
            "marginal_ratio": round(m_last / m_first, 2) if m_first > 0 else None,
            "ms_per_row_smallest": round(1000 * ys[0] / xs[0], 3), "ms_per_row_largest": round(1000 * ys[-1] / xs[-1], 3)}


def run(quick: bool) -> dict[str, Any]:
    from transformers.utils import logging as hf_logging

    from textbench.config import load_run_config
    from textbench.data import prepare_data
    from textbench.runs.finetune import train_run

    hf_logging.set_verbosity_error()
    logging.getLogger("textbench").setLevel(logging.WARNING)
    source = str(EMOTION) if EMOTION.is_dir() else "builtin:tweets-sentiment"
    data_note = ("emotion (../shared/datasets/emotion)" if EMOTION.is_dir() else
                 "../shared/datasets/emotion is missing: built-in tweets-sentiment (3,360 training rows at most)")
    sizes = SIZES_QUICK if quick else SIZES_FULL
    eval_cap = 200 if quick else 1000
    old = os.environ.get("TEXTBENCH_TOKENIZER_CACHE")
    os.environ["TEXTBENCH_TOKENIZER_CACHE"] = "0"  # train the tokenizer in every scratch run (its cost counts)
    points: list[dict[str, Any]] = []
    try:
        with tempfile.TemporaryDirectory(prefix="bench-data-scaling-") as tmp:
            for model, config in MODELS.items():
                for n in sizes:
                    overrides = [f"data.source={source}", f"data.max_train_samples={n}",
                                 f"data.max_eval_samples={eval_cap}", "train.epochs=1",
                                 "eval.reference_before_training=false", f"output.dir={tmp}",
                                 f"output.name={model}-{n}"]
                    cfg = load_run_config(config, overrides)
                    t = time.perf_counter()
                    prepared = prepare_data(cfg.data)
                    prep = time.perf_counter() - t
                    t = time.perf_counter()
                    res = train_run(cfg, quiet=True, prepared=prepared)
                    run_s = time.perf_counter() - t
                    cost = res.test_metrics["cost"]
                    rows = len(prepared.splits["train"])
                    p = {"model": model, "rows": rows, "prepare_seconds": round(prep, 2),
                         "run_seconds": round(run_s, 2), "total_seconds": round(prep + run_s, 2),
                         "epoch_seconds": cost["seconds_per_epoch"], "train_seconds": cost["train_seconds"],
                         "test_inference_seconds": cost.get("inference_seconds"),
                         "validation_rows": len(prepared.splits["validation"]),
                         "test_rows": len(prepared.splits["test"]),
                         "test_macro_f1": round(res.test_metrics["macro_f1"], 4)}
                    p["other_seconds"] = round(run_s - p["train_seconds"] - (p["test_inference_seconds"] or 0), 2)
                    points.append(p)
                    print(f"  {model:8s} {rows:6d} rows: prepare {prep:6.1f} s  epoch {p['epoch_seconds']:7.1f} s"
                          f"  run {run_s:7.1f} s  (other {p['other_seconds']:.1f} s)  macro-F1 {p['test_macro_f1']:.3f}",
                          flush=True)
    finally:
        if old is None:
            os.environ.pop("TEXTBENCH_TOKENIZER_CACHE", None)
        else:
            os.environ["TEXTBENCH_TOKENIZER_CACHE"] = old
    fits = {}
    for model in MODELS:
        pts = sorted((p for p in points if p["model"] == model), key=lambda p: p["rows"])
        xs = [float(p["rows"]) for p in pts]
        fits[model] = {k: _fit(xs, [float(p[k]) for p in pts])
                       for k in ("epoch_seconds", "total_seconds", "prepare_seconds")}
    return {"data": data_note, "data_source": source, "sizes": list(sizes), "eval_rows_cap": eval_cap, "epochs": 1,
            "configs": {m: str(c.relative_to(ROOT)) for m, c in MODELS.items()}, "points": points, "fits": fits}


def verdict(result: dict) -> dict:
    parts, ok, notes = [], True, []
    for model, f in result["fits"].items():
        e, t = f["epoch_seconds"], f["total_seconds"]
        parts.append(f"{model}: marginal-cost ratio epoch {e['marginal_ratio']}, whole run {t['marginal_ratio']}")
        for what, fit in (("epoch", e), ("whole run", t)):
            r = fit["marginal_ratio"]
            if r is None or r < 0:
                ok = None if ok is not False else ok
                notes.append(f"{model} {what}: time did not grow between the smaller sizes (fixed costs or noise"
                             " dominate); no linearity verdict from these sizes")
                continue
            if r > LINEAR_TOLERANCE:
                ok = False
                notes.append(f"{model} {what}: the cost per extra row grows {r}x from the smallest to the largest"
                             " sizes (super-linear)")
    lo, hi = result["sizes"][0], result["sizes"][-1]
    if ok:
        notes.append(f"cost per extra row between the largest sizes is at most {LINEAR_TOLERANCE}x that between the"
                     f" smallest ({lo:,} -> {hi:,} rows); fixed costs (model load, tokenizer, validation and test"
                     " on fixed-size splits) are the intercept a")
    return {"target": f"time per epoch and per run linear in training rows ({', '.join(f'{s:,}' for s in result['sizes'])})"
                      f" (marginal-cost ratio <= {LINEAR_TOLERANCE})",
            "measured": "; ".join(parts), "met": ok, "note": "; ".join(notes)}


def markdown(result: dict) -> str:
    rows = []
    for p in result["points"]:
        rows.append([p["model"], f"{p['rows']:,}", fmt(p["prepare_seconds"]), fmt(p["epoch_seconds"]),
                     fmt(p["test_inference_seconds"]), fmt(p["other_seconds"]), fmt(p["total_seconds"]),
                     f"{1000 * p['epoch_seconds'] / p['rows']:.2f}", f"{p['test_macro_f1']:.3f}"])
    fits = []
    for model, f in result["fits"].items():
        for k, name in (("epoch_seconds", "epoch"), ("total_seconds", "whole run"), ("prepare_seconds", "prepare_data")):
            x = f[k]
            fits.append([model, name, fmt(x["a_seconds"]), fmt(x["b_ms_per_row"]), f"{x['r2']:.3f}",
                         fmt(x["marginal_ratio"])])
    return (
        f"Data: {result['data']}; validation and test capped at {result['eval_rows_cap']:,} rows each (fixed across"
        f" sizes); {result['epochs']} epoch; configs {', '.join(f'`{c}`' for c in result['configs'].values())};"
        " the scratch tokenizer is trained in every run (cache off). *Epoch*: the Trainer's time for the epoch"
        " including its validation pass; *other*: the rest of `train_run` (tokenizer, model build, tokenisation,"
        " saving, plots); *total*: prepare_data + the whole run.\n\n"
        + md_table(["model", "train rows", "prepare_data (s)", "epoch (s)", "test predict (s)", "other (s)",
                    "total (s)", "epoch ms / row", "test macro-F1"], rows)
        + "\n\nFit time = a + b x rows, and the marginal-cost ratio (seconds per extra row between the two largest"
        " sizes over that between the two smallest; 1 = linear):\n\n"
        + md_table(["model", "time", "a (s)", "b (ms / row)", "R²", "marginal ratio"], fits)
    )


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["data_scaling", *sys.argv[1:]]))
