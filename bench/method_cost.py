"""Seconds per epoch of each fine-tuning method at equal batch and length, and where a LoRA step goes.

    python -m bench method_cost [--quick]   # through the harness (also regenerates BENCHMARKS.md)
    python bench/method_cost.py [--quick]

``builtin:minilm-l6`` on the built-in tweets-sentiment data, the shipped configs
(``configs/minilm-{full,lora,prefix,freeze}.yaml``: batch 32, max length 128) with one epoch each
on the same rows, plus LoRA without its dropout (``method.dropout=0``) and freeze without its
cache. The methods run in turn, ``rounds`` times in alternating order, in this process; each
figure is the median over rounds of the Trainer's run time for the epoch (training steps and the
epoch's validation). Target (issue #19): a LoRA epoch costs <= 0.8x a full fine-tuning epoch.

A second part profiles plain training steps (forward, backward, fused AdamW) of full fine-tuning
and LoRA on the same fixed batches with ``torch.profiler``: the operators that take the time, and
how much of LoRA's step is dropout (``aten::bernoulli_``, which is slow on CPU).
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

ROOT = Path(__file__).resolve().parents[1]
NAME = "method_cost"
TARGET = 0.8  # LoRA epoch / full epoch
ARMS = {  # name -> (config, extra overrides)
    "full": ("minilm-full", []),
    "lora": ("minilm-lora", []),
    "lora (dropout 0)": ("minilm-lora", ["method.dropout=0"]),
    "prefix": ("minilm-prefix", []),
    "freeze": ("minilm-freeze", []),
    "freeze (no cache)": ("minilm-freeze", ["method.cache_frozen=false"]),
}
FULL = {"train": 1600, "eval": 200, "rounds": 2, "profile_steps": 8}
QUICK = {"train": 480, "eval": 64, "rounds": 1, "profile_steps": 4}


def _base(sizes: dict) -> list[str]:
    return [f"data.max_train_samples={sizes['train']}", f"data.max_eval_samples={sizes['eval']}", "train.epochs=1",
            "eval.reference_before_training=false"]


def epoch_seconds(sizes: dict) -> dict:
    """Median Trainer seconds of one epoch per arm, the arms alternating over rounds."""
    from textbench.config import load_run_config
    from textbench.data import prepare_data
    from textbench.runs.finetune import train_run

    logging.getLogger("textbench").setLevel(logging.WARNING)
    base = _base(sizes)
    prepared = prepare_data(load_run_config(ROOT / "configs" / "minilm-full.yaml", base).data)
    seconds: dict[str, list[float]] = {arm: [] for arm in ARMS}
    info: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-method-cost-") as tmp:
        for rnd in range(sizes["rounds"]):
            order = list(ARMS) if rnd % 2 == 0 else list(reversed(ARMS))
            for arm in order:
                config, extra = ARMS[arm]
                name = f"{arm.replace(' ', '-').replace('(', '').replace(')', '')}-{rnd}"
                cfg = load_run_config(ROOT / "configs" / f"{config}.yaml",
                                      [*base, *extra, f"output.dir={tmp}", f"output.name={name}"])
                res = train_run(cfg, quiet=True, prepared=prepared)
                cost = res.test_metrics["cost"]
                seconds[arm].append(float(cost["train_seconds"]) + float(cost.get("frozen_cache_seconds") or 0.0))
                info[arm] = {"trainable": cost["parameters"]["trainable"], "steps": cost["global_steps"]}
                print(f"  {arm:18s} round {rnd + 1}: {seconds[arm][-1]:7.1f} s", flush=True)
    full = statistics.median(seconds["full"])
    return {arm: {"seconds": round(statistics.median(s), 2), "all": [round(x, 2) for x in s],
                  "vs_full": round(statistics.median(s) / full, 3), **info[arm]} for arm, s in seconds.items()}


def step_profile(steps: int) -> dict:
    """Per-step time and top operators of full fine-tuning and LoRA on the same fixed batches."""
    import torch
    from torch.profiler import ProfilerActivity, profile

    from textbench.config import load_run_config
    from textbench.data import prepare_data
    from textbench.methods import apply_method
    from textbench.runs.build import build_model

    base = ["data.max_train_samples=640", "data.max_eval_samples=64"]
    prepared = prepare_data(load_run_config(ROOT / "configs" / "minilm-full.yaml", base).data)
    texts, labels = list(prepared.splits["train"]["text"]), list(prepared.splits["train"]["label"])
    out = {}
    for arm in ("full", "lora"):
        cfg = load_run_config(ROOT / "configs" / f"{ARMS[arm][0]}.yaml", base)
        torch.manual_seed(0)
        with tempfile.TemporaryDirectory() as tmp:
            built = build_model(cfg, prepared, Path(tmp))
        model = apply_method(built.model, cfg.method).train()
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-5, fused=True)
        batches = []
        for i in range(steps):
            enc = built.tokenizer(texts[32 * i:32 * (i + 1)], truncation=True, max_length=128, padding=True,
                                  return_tensors="pt")
            enc["labels"] = torch.tensor(labels[32 * i:32 * (i + 1)])
            batches.append(enc)

        def step(batch: dict) -> None:
            model(**batch).loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)

        step(batches[0])  # warm-up
        start = time.perf_counter()
        for b in batches:
            step(b)
        ms = 1000 * (time.perf_counter() - start) / steps
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for b in batches:
                step(b)
        events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
        total = sum(e.self_cpu_time_total for e in events) or 1
        out[arm] = {"ms_per_step": round(ms, 1),
                    "top": [{"op": e.key, "share": round(e.self_cpu_time_total / total, 3), "calls": e.count // steps}
                            for e in events[:8]]}
    return out


def run(quick: bool) -> dict:
    sizes = QUICK if quick else FULL
    return {"model": "builtin:minilm-l6", "data": "builtin:tweets-sentiment", "sizes": sizes,
            "batch_size": 32, "max_length": 128, "epochs": epoch_seconds(sizes),
            "profile": step_profile(sizes["profile_steps"]), "target": TARGET}


def verdict(result: dict) -> dict:
    e = result["epochs"]
    ratio = e["lora"]["vs_full"]
    met = ratio <= result["target"]
    note = "" if met else ("see the section: LoRA still runs every layer's forward and input-gradient backward;"
                           " it saves the frozen weights' gradients and their optimizer state")
    return {"target": f"LoRA epoch <= {result['target']:g}x a full fine-tuning epoch (CPU, same batch and length)",
            "measured": f"LoRA {ratio:.2f}x full ({e['lora']['seconds']:.0f} s vs {e['full']['seconds']:.0f} s);"
                        f" prefix {e['prefix']['vs_full']:.2f}x; freeze {e['freeze']['vs_full']:.2f}x",
            "met": met, "note": note}


def markdown(result: dict) -> str:
    from bench.common import md_table

    s = result["sizes"]
    rows = [[f"`{arm}`", f"{x['trainable']:,}", f"{x['steps']}", f"{x['seconds']:.1f}", f"{x['vs_full']:.2f}x",
             ", ".join(f"{v:.1f}" for v in x["all"])] for arm, x in result["epochs"].items()]
    prof = result["profile"]

    def top(arm: str) -> str:
        return ", ".join(f"{t['op'].replace('aten::', '')} {100 * t['share']:.0f}% ({t['calls']}/step)"
                         for t in prof[arm]["top"][:6])

    return (
        f"`{result['model']}` on `{result['data']}`: {s['train']:,} training rows, one epoch per run, batch"
        f" {result['batch_size']}, max length {result['max_length']}, the shipped configs; {s['rounds']} alternating"
        " round(s), median shown. Seconds: the Trainer's run time of the epoch (its validation included) plus,"
        " for freeze, building its cache.\n\n"
        + md_table(["method", "trainable parameters", "steps", "s / epoch", "vs full", "each round (s)"], rows)
        + f"\n\nPlain training steps on the same {s['profile_steps']} batches (forward, backward, fused AdamW):"
        f" full {prof['full']['ms_per_step']:.0f} ms, LoRA {prof['lora']['ms_per_step']:.0f} ms per step"
        f" ({prof['lora']['ms_per_step'] / prof['full']['ms_per_step']:.2f}x).\n\n"
        f"- full: {top('full')}\n- LoRA: {top('lora')}\n\n"
        "LoRA skips the frozen weights' gradients and optimizer state but still runs every layer's forward and"
        " input-gradient backward, and adds two small matmuls and a dropout per adapted projection: its step is"
        " made of more, smaller operators. Those suffer most when another process shares the cores (thread-pool"
        " waits): measure on an otherwise idle machine, as the load averages above show.\n"
    )


def main() -> None:
    from bench.common import run_and_save

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    result, path = run_and_save(NAME, run, args.quick)
    print(markdown(result))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
