"""Sub-commands `study` and `report` (registered by cli/commands.py when this module exists)."""

from __future__ import annotations

import argparse

from textbench.cli.commands import add_label_options, label_settings


def register(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser("study", help="run a study: every arm x seed not yet complete, then the report",
                       description="Run a study and write its report. Examples: `textbench study` (the built-in"
                       " quickstart); `textbench study --data my.csv --text-column review --label-column stars`"
                       " (the same comparison on your data, into studies/my/); `textbench study my-study.yaml`;"
                       " `textbench study --write-template my-study.yaml --data my.csv` (a study file to edit).")
    s.add_argument("file", nargs="?", help="study YAML (default: the built-in quickstart study); a data file or"
                   " folder here is taken as --data")
    s.add_argument("--data", metavar="PATH", help="your data (a CSV/TSV/JSONL/Parquet file, a folder of split"
                   " files, builtin:NAME or hf:ID) in place of the study's; without a study file, the built-in"
                   " comparison runs on it")
    s.add_argument("--text-column", help="with --data: the column holding the text (default: text)")
    s.add_argument("--label-column", help="with --data: the column holding the label (default: label)")
    add_label_options(s)
    s.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a study-file value, e.g. --set seeds=[1,2,3] --set data.max_train_samples=2000"
                   " --set tune.trials=8 (repeatable)")
    s.add_argument("--write-template", metavar="FILE", help="write a commented study file to edit (with --data:"
                   " for your data) and exit")
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
    s.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="local: runs are processes on this machine (default); ray: each run and each tuned"
                   " arm's search is a task on a Ray cluster (pip install -e '.[ray]'; see the README)")
    s.add_argument("--address", metavar="ADDRESS",
                   help="with --executor ray: the cluster, e.g. auto (the one `ray start` started here),"
                   " HOST:6379 or ray://HOST:10001 (default: RAY_ADDRESS, else a new one on this machine)")
    s.add_argument("--max-retries", type=int, default=3, metavar="N",
                   help="with --executor ray: times a run is tried again when its worker or node dies; it"
                   " resumes from its last checkpoint (default 3)")
    s.add_argument("--rerun-stale", action="store_true",
                   help="complete runs made with other settings than their arm's now: set them aside in"
                   " <study>/stale/ and train them again (default: refuse)")
    s.set_defaults(handler=cmd_study)

    r = sub.add_parser("report", help="rebuild a study's report.md and report.html from its stored runs",
                       description="Rebuild a study's report from its stored runs. Example: `textbench report"
                       " studies/quickstart`.")
    r.add_argument("study_dir", help="a study folder made by `textbench study` (holds study.yaml)")
    r.set_defaults(handler=cmd_report)


def cmd_study(args: argparse.Namespace) -> int:
    import shlex

    from textbench.errors import Interrupted
    from textbench.study import load_study
    from textbench.study.runner import plan_status, run_study

    path, data = _study_inputs(args)
    if args.write_template:
        from pathlib import Path

        from textbench.study.plan import write_template

        written = write_template(Path(args.write_template), data)
        print(f"study file written: {written}; edit it, then: textbench study {written}")
        return 0
    study = load_study(path, output_dir=args.output_dir, name=args.name, data=data, overrides=args.overrides)
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
        result = run_study(study, executor=_executor(args), progress=not args.no_progress, jobs=args.jobs,
                           launch=args.launch, rerun_stale=args.rerun_stale, ray_address=args.address,
                           max_retries=args.max_retries)
    except (KeyboardInterrupt, Interrupted):  # Ctrl-C or SIGTERM: the running runs saved their checkpoints
        # the same command continues (its --data, --set, ... included: without them it is another study)
        again = shlex.join(["textbench", *getattr(args, "argv", ["study"])])
        raise Interrupted(f"interrupted; the running runs saved their checkpoints and nothing else started;"
                          f" continue with `{again}`") from None
    done = result.count("complete")
    skipped = result.count("skipped")
    print(f"study {study.name}: {done} runs trained, {skipped} already complete;"
          f" report: {result.report} and {study.dir / 'report.md'}")
    return 0


def _executor(args: argparse.Namespace) -> str:
    from textbench.errors import ConfigError

    if args.inline and args.executor == "ray":
        raise ConfigError("--inline runs every run in this process; it does not go with --executor ray")
    if args.executor != "ray" and args.address:
        raise ConfigError("--address goes with --executor ray")
    return "inline" if args.inline else "ray" if args.executor == "ray" else "subprocess"


def _study_inputs(args: argparse.Namespace) -> tuple[str | None, dict | None]:
    """(study file, data) from the arguments; a data path given as the study file is --data."""
    import sys
    from pathlib import Path

    from textbench.errors import ConfigError

    path, source = args.file, args.data
    if path and not path.endswith((".yaml", ".yml")) and (Path(path).exists() or path.startswith(("builtin:", "hf:"))):
        if source:
            raise ConfigError(f"{path} is data, not a study file, and --data gives {source}; give one of them")
        print(f"note: {path} is data, not a study file: the built-in comparison runs on it (as --data {path})",
              file=sys.stderr)
        path, source = None, path
    if source is None:
        if args.text_column or args.label_column or label_settings(args):
            raise ConfigError("--text-column / --label-column go with --data, as do --multi-label /"
                              " --label-delimiter (a study file names its columns)")
        return path, None
    data = {"source": source}
    if args.text_column:
        data["text_column"] = args.text_column
    if args.label_column:
        data["label_column"] = args.label_column
    data.update(label_settings(args))
    return path, data


def cmd_report(args: argparse.Namespace) -> int:
    from pathlib import Path

    from textbench.report import build_report
    from textbench.study.stale import stale_runs

    html = build_report(Path(args.study_dir), notes=stale_runs(args.study_dir))
    print(f"report: {html} and {html.with_name('report.md')}")
    return 0
