"""Sub-command `tune`: search one run config's settings on the validation set (Optuna)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from textbench.cli.commands import _positive_int, add_run_config

    t = sub.add_parser("tune", help="search a run config's settings on the validation set, then print the best",
                       description="Search the settings of one run config (learning rate, epochs, warmup,"
                       " weight decay and the method's own; depth and width for a from-scratch model) with"
                       " Optuna on the validation set; the test set is never read. The search goes to"
                       " <output.dir>/<name>-tuning/ and a rerun continues it. In a study, use `tune:`."
                       " Example: `textbench tune configs/minilm-lora.yaml --trials 8 --max-minutes 30`.")
    add_run_config(t, named="search", folder="the search folder")
    t.add_argument("--trials", type=_positive_int, default=8, help="trials to complete (pruned ones count; default 8)")
    t.add_argument("--max-minutes", type=float, help="and/or a wall-clock budget; the first reached ends the search")
    t.add_argument("--space", metavar="YAML", help="search space file: dotted key -> {low, high, log, int} or a"
                   " list of choices; replaces the default of the keys it names")
    t.add_argument("--sampler", choices=["tpe", "random"], default="tpe")
    t.add_argument("--pruner", choices=["median", "none"], default="median")
    t.add_argument("--storage", help="Optuna storage URL shared by several workers (default: SQLite in the folder)")
    t.add_argument("--max-parameters", type=_positive_int,
                   help="from-scratch models: the largest a trial may build (default: the config's own size)")
    t.set_defaults(handler=cmd_tune)


def cmd_tune(args: argparse.Namespace) -> int:
    from textbench.cli.commands import _run_overrides
    from textbench.config import load_run_config
    from textbench.runs.naming import finetune_run_name
    from textbench.tuning.config import TuneConfig
    from textbench.tuning.single import read_space, tune_config

    cfg = load_run_config(args.config, _run_overrides(args))
    space = read_space(args.space)
    tune = TuneConfig(trials=args.trials, max_minutes=args.max_minutes, sampler=args.sampler, pruner=args.pruner,
                      storage=args.storage, max_parameters=args.max_parameters)
    name = cfg.output.name or finetune_run_name(cfg)
    result = tune_config(cfg, tune, name, space)
    s = result.summary
    best = s.get("best")
    print(f"search {result.folder}: {s['counted_trials']} trials in {s['seconds']:.0f}s")
    if not best:
        print("no trial completed; see the trial folders for the reason")
        return 1
    settings = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in best["params"].items())
    print(f"best validation {s['metric']} {best['value']:.4f} (trial {best['number']}): {settings}")
    print(f"train it: textbench train {result.folder}/best.yaml")
    return 0
