"""Sub-commands `study` and `report` (registered by cli/commands.py when this module exists)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("study", help="run a study: every arm x seed not yet complete, then the report")
    s.add_argument("file", nargs="?", help="study YAML (default: the built-in quickstart study)")
    s.add_argument("--output-dir", help="folder that holds study folders (default: the study's output_dir, studies)")
    s.add_argument("--name", help="study name, i.e. the folder under the output dir (default: the study's name)")
    s.add_argument("--dry-run", action="store_true", help="validate and list the runs and what would happen to each")
    s.add_argument("--no-progress", action="store_true", help="no progress bar")
    s.add_argument("--inline", action="store_true",
                   help="run every arm in this process instead of one subprocess per run (quicker start;"
                   " peak memory is then shared across runs)")
    s.add_argument("--jobs", type=int, default=1, metavar="N",
                   help="train N runs at once, each on its share of the CPU cores or GPUs (default 1)")
    s.add_argument("--launch", metavar="LAUNCHER",
                   help="start each training run under a launcher, e.g. 'torchrun --nproc_per_node 2' or"
                   " 'accelerate launch --multi_gpu --num_processes 2'")
    s.add_argument("--rerun-stale", action="store_true",
                   help="complete runs made with other settings than their arm's now: set them aside in"
                   " <study>/stale/ and train them again (default: refuse)")
    s.set_defaults(handler=cmd_study)

    r = sub.add_parser("report", help="rebuild a study's report.md and report.html from its stored runs")
    r.add_argument("study_dir", help="a study folder made by `textbench study` (holds study.yaml)")
    r.set_defaults(handler=cmd_report)


def cmd_study(args: argparse.Namespace) -> int:
    import shlex

    from textbench.errors import Interrupted
    from textbench.study import load_study
    from textbench.study.runner import plan_status, run_study

    study = load_study(args.file, output_dir=args.output_dir, name=args.name)
    if args.dry_run:
        from textbench.study.preflight import preflight

        notes, _, _ = preflight(study)
        print(f"study {study.name}: {len(study.arms)} arms x {len(study.seeds)} seeds -> {study.dir}/")
        if study.cfg.tune is not None:
            from textbench.study.tuning_stage import tuned_arm_names

            names = tuned_arm_names(study)
            print(f"tuning first: {', '.join(names) or 'no arm'} ({study.cfg.tune.trials} trials each, validation"
                  " only; a stored search continues); the runs below then train each arm's best config")
        for run, what in plan_status(study):
            print(f"  {run.key:<40} {run.arm.label:<60} {what}")
        for note in notes:
            print(f"note: {note}")
        return 0
    try:
        result = run_study(study, executor="inline" if args.inline else "subprocess", progress=not args.no_progress,
                           jobs=args.jobs, launch=args.launch, rerun_stale=args.rerun_stale)
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C or SIGTERM: the running runs saved their checkpoints
        again = " ".join(["textbench study", *([shlex.quote(args.file)] if args.file else []),
                          *(["--output-dir", shlex.quote(args.output_dir)] if args.output_dir else []),
                          *(["--name", shlex.quote(args.name)] if args.name else [])])
        raise Interrupted(f"interrupted; the running runs saved their checkpoints and nothing else started;"
                          f" continue with `{again}`") from None
    done = result.count("complete")
    skipped = result.count("skipped")
    print(f"study {study.name}: {done} runs trained, {skipped} already complete;"
          f" report: {result.report} and {study.dir / 'report.md'}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from textbench.report import build_report
    from textbench.study.stale import stale_runs

    html = build_report(Path(args.study_dir), notes=stale_runs(args.study_dir))
    print(f"report: {html} and {html.with_name('report.md')}")
    return 0
