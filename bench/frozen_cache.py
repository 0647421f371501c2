"""Seconds per epoch with and without method.cache_frozen (linear_probe, freeze), and test macro-F1.

    python bench/frozen_cache.py            # builtin:minilm-l6 on the built-in tweets-sentiment, 3 epochs
    python bench/frozen_cache.py --quick    # a subsample (800 train / 200 validation examples)

The runs use configs/minilm-probe.yaml (mlp probe head) and configs/minilm-freeze.yaml
(top 2 of 6 layers train) with the same epochs. Each pair of runs shares data, seed and settings and differs only in
``method.cache_frozen``. ``seconds_per_epoch`` is the Trainer's run time (training steps
and the per-epoch validation) over epochs; the cache is built once before training and
reported apart (``frozen_cache_seconds``) and in ``speedup_total``. Writes
``bench/results/frozen_cache.json`` with the machine and its load average.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import tempfile
import time
from pathlib import Path

from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.training import environment as env
from textbench.training.runner import train_run

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = {"linear_probe": ROOT / "configs" / "minilm-probe.yaml", "freeze": ROOT / "configs" / "minilm-freeze.yaml"}


def one_run(config: Path, base: list[str], cache: bool, out: Path, prepared) -> dict:
    name = f"{config.stem}-{'cached' if cache else 'uncached'}"
    cfg = load_run_config(config, [*base, f"method.cache_frozen={str(cache).lower()}",
                                   f"output.dir={out}", f"output.name={name}"])
    start = time.perf_counter()
    res = train_run(cfg, quiet=True, prepared=prepared)
    cost = res.test_metrics["cost"]
    manifest = json.loads((res.run_dir / "manifest.json").read_text())
    return {
        "frozen_cache": manifest["frozen_cache"],
        "frozen_cache_detail": manifest["frozen_cache_detail"],
        "seconds_per_epoch": cost["seconds_per_epoch"],
        "train_seconds": cost["train_seconds"],
        "frozen_cache_seconds": cost.get("frozen_cache_seconds", 0.0),
        "frozen_cache_test_max_abs_diff": cost.get("frozen_cache_test_max_abs_diff"),
        "wall_seconds": round(time.perf_counter() - start, 2),
        "test_macro_f1": round(res.test_metrics["macro_f1"], 4),
        "test_accuracy": round(res.test_metrics["accuracy"], 4),
        "best_epoch": cost["best_epoch"],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="subsample: 800 train / 200 validation examples")
    ap.add_argument("--epochs", type=float, default=3.0)
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: all cores)")
    ap.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "frozen_cache.json")
    args = ap.parse_args()
    logging.getLogger("textbench").setLevel(logging.WARNING)
    base = [f"train.epochs={args.epochs}", "eval.reference_before_training=false"]
    if args.threads:
        base.append(f"train.threads={args.threads}")
    if args.quick:
        base += ["data.max_train_samples=800", "data.max_eval_samples=200"]
    prepared = prepare_data(load_run_config(CONFIGS["freeze"], base).data)  # both configs: the same data
    load_before = os.getloadavg()
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="bench-frozen-cache-") as tmp:
        for method, config in CONFIGS.items():
            runs = {c: one_run(config, base, c, Path(tmp), prepared) for c in (True, False)}
            cached, plain = runs[True], runs[False]
            total_cached = cached["train_seconds"] + cached["frozen_cache_seconds"]
            results[method] = {
                "cached": cached,
                "uncached": plain,
                "speedup_per_epoch": round(plain["seconds_per_epoch"] / cached["seconds_per_epoch"], 2),
                "speedup_total": round(plain["train_seconds"] / total_cached, 2),
            }
            print(f"{method:13s} s/epoch cached {cached['seconds_per_epoch']:7.2f}  uncached"
                  f" {plain['seconds_per_epoch']:7.2f}  x{results[method]['speedup_per_epoch']:<6}"
                  f" (cache built in {cached['frozen_cache_seconds']:.1f} s; x{results[method]['speedup_total']}"
                  f" with it)  test macro-F1 cached {cached['test_macro_f1']:.4f} uncached"
                  f" {plain['test_macro_f1']:.4f}", flush=True)
    split_sizes = {s: len(prepared.splits[s]) for s in ("train", "validation", "test")}
    out = {
        "model": "builtin:minilm-l6",
        "data": "builtin:tweets-sentiment",
        "quick": args.quick,
        "examples": split_sizes,
        "epochs": args.epochs,
        "configs": {m: str(c.relative_to(ROOT)) for m, c in CONFIGS.items()},
        "overrides": base,
        "machine": env.machine_info(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(f"load average before {out['load_average_before']}, after {out['load_average_after']}; wrote {args.out}")


if __name__ == "__main__":
    main()
