"""Sub-commands. Each handler imports what it needs lazily, so `textbench --help` is fast."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any


def _positive_int(text: str) -> int:
    """An argparse type: an integer >= 1 (argparse reports anything else as a usage error, exit 2)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def _add_set(p: argparse.ArgumentParser) -> None:
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value, e.g. --set train.learning_rate=3e-4 (repeatable)")


def add_label_options(p: argparse.ArgumentParser) -> None:
    """--multi-label and --label-delimiter: several labels per text in the label column."""
    p.add_argument("--multi-label", action="store_true", default=None,
                   help="several labels per text: a JSON list or a delimited string in the label column")
    p.add_argument("--label-delimiter", help="with --multi-label: what separates a row's labels (default ',')")


def label_settings(args: argparse.Namespace) -> dict[str, object]:
    """The data settings --multi-label / --label-delimiter give (a delimiter implies multi-label)."""
    out: dict[str, object] = {}
    if getattr(args, "multi_label", None) or getattr(args, "label_delimiter", None) is not None:
        out["multi_label"] = True
    if getattr(args, "label_delimiter", None) is not None:
        out["label_delimiter"] = args.label_delimiter
    return out


def add_run_config(p: argparse.ArgumentParser, kind: str = "run", named: str = "run",
                   folder: str = "run folders") -> None:
    """CONFIG, --set, --name and --output-dir: how train, pretrain and tune take a run config."""
    p.add_argument("config", nargs="?", help=f"{kind} config YAML (default: built-in defaults)")
    _add_set(p)
    p.add_argument("--name", help=f"{named} name (default: the config file's name)")
    p.add_argument("--output-dir", help=f"folder that holds {folder} (default: the config's output.dir, runs)")


def register(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train one model (from scratch or fine-tuned) into a run folder",
                       description="Train one model into runs/<name>/. Examples: `textbench train` (MiniLM-L6 fully"
                       " fine-tuned on the built-in data); `textbench train configs/minilm-lora.yaml --set"
                       " train.epochs=5`; `textbench train --data my.csv --text-column review --label-column stars`.")
    add_run_config(t)
    t.add_argument("--resume", action="store_true", help="continue an interrupted run from its last checkpoint")
    t.add_argument("--data", metavar="PATH", help="your data in place of the config's (file, folder, builtin:NAME"
                   " or hf:ID); with --text-column / --label-column")
    t.add_argument("--text-column", help="the column holding the text")
    t.add_argument("--label-column", help="the column holding the label")
    add_label_options(t)
    t.set_defaults(handler=cmd_train)

    d = sub.add_parser("data", help="data tools")
    dsub = d.add_subparsers(dest="data_command", metavar="ACTION")
    i = dsub.add_parser("inspect", help="statistics, cleaning counts and charts for a dataset",
                        description="Statistics, cleaning counts and charts. Examples: `textbench data inspect"
                        " my.csv --text-column review --label-column stars`; `textbench data inspect"
                        " ../shared/datasets/emotion/ --tokenizer builtin:minilm-l6 --max-length 64`.")
    i.add_argument("source", nargs="?", help="run config YAML, data file/folder, builtin:NAME or hf:ID"
                   " (default: builtin:tweets-sentiment)")
    _add_set(i)
    i.add_argument("--text-column", help="column holding the text")
    i.add_argument("--label-column", help="column holding the label")
    add_label_options(i)
    i.add_argument("--tokenizer", help="tokenizer for token-length statistics (name, path or builtin:minilm-l6)")
    i.add_argument("--max-length", type=_positive_int, help="truncation length for the 'truncated' share")
    i.add_argument("--out", help="folder for the PNG charts and stats.json (default: data-inspect/<name>)")
    i.add_argument("--overwrite", action="store_true", help="replace the charts and stats.json of an earlier inspect")
    i.set_defaults(handler=cmd_data_inspect)
    d.set_defaults(handler=lambda a: (d.print_help(), 2)[1])

    pr = sub.add_parser("predict", help="predict labels for new texts with a saved run",
                        description="Predict with a saved run. Examples: `textbench predict runs/minilm-full --input"
                        " texts.txt` (JSONL to stdout); `textbench predict studies/my/runs/tfidf --input new.csv"
                        " --text-column review --output predictions.csv` (an arm: its best seed).")
    pr.add_argument("run_dir", help="a run folder (trained or baseline), or an arm or study folder: its best"
                    " complete run by validation score")
    pr.add_argument("--input", required=True, help="text file (one text per line), CSV/JSONL with a text"
                    " column, or - for stdin")
    pr.add_argument("--output", default="-", help="output file (default: stdout); JSONL, or CSV for a .csv name")
    pr.add_argument("--output-format", choices=["jsonl", "csv"], help="default: by the --output name (.csv: CSV),"
                    " else JSONL (text, label, its probability, every class's probability)")
    pr.add_argument("--text-column", default="text", help="text column for CSV/JSONL input")
    pr.add_argument("--batch-size", type=_positive_int, default=64)
    pr.add_argument("--overwrite", action="store_true", help="replace an existing --output file")
    pr.add_argument("--quantize", choices=["int8"], help="CPU only, opt-in: dynamic int8 Linear layers (faster;"
                    " probabilities change slightly, see BENCHMARKS.md); with --backend onnxruntime: model.int8.onnx")
    pr.add_argument("--backend", choices=["torch", "onnxruntime"], default="torch",
                    help="onnxruntime: the model exported by `textbench export RUN` (needs the onnx extra)")
    pr.set_defaults(handler=cmd_predict)

    pt = sub.add_parser("pretrain", help="pretrain a from-scratch model (masked LM; causal LM for decoders)",
                        description="Pretrain a from-scratch model. Example: `textbench pretrain"
                        " configs/pretrain/emotion-mlm.yaml`, then fine-tune it with model.from_pretraining_run.")
    add_run_config(pt, "pretrain")
    pt.add_argument("--resume", action="store_true", help="continue an interrupted pretraining run")
    pt.set_defaults(handler=cmd_pretrain)

    b = sub.add_parser("baseline", help="one baseline run from a baseline run config (what a study starts)",
                       description="Run a classic baseline into a run folder. Example:"
                       " textbench baseline studies/quickstart/configs/tfidf/seed-42.yaml")
    b.add_argument("config", help="baseline run config YAML (sections baseline, data, seed, output)")
    b.add_argument("--resume", action="store_true", help="restart an unfinished run folder")
    b.set_defaults(handler=cmd_baseline)

    # the study's entry point for a child process: any run kind, from the config it wrote (not listed)
    w = sub.add_parser("worker", description="Run one run of a study (internal: what `textbench study` starts).")
    w.add_argument("kind", help="run kind: finetune, pretrain or baseline")
    w.add_argument("config", help="the run's config YAML")
    w.add_argument("--resume", action="store_true")
    w.add_argument("--data-store", help="the study's prepared-data folder (the run loads its data from there)")
    w.set_defaults(handler=cmd_worker)

    from textbench.cli import env_command, export_command, extra_commands, tune_command

    extra_commands.register(sub)
    export_command.register(sub)
    export_command.register_push(sub)
    tune_command.register(sub)
    env_command.register(sub)


def _run_overrides(args: argparse.Namespace) -> list[str]:
    """``--set`` values plus ``--name`` / ``--output-dir`` as output overrides."""
    overrides = list(args.overrides)
    for flag, key in (("data", "data.source"), ("text_column", "data.text_column"),
                      ("label_column", "data.label_column")):
        if getattr(args, flag, None) is not None:
            overrides.append(f"{key}={json.dumps(getattr(args, flag))}")
    overrides += [f"data.{k}={json.dumps(v)}" for k, v in label_settings(args).items()]
    if args.name is not None:  # --name "" is an error to report, not a name to ignore
        overrides.append(f"output.name={json.dumps(args.name)}")
    if args.output_dir is not None:
        overrides.append(f"output.dir={json.dumps(args.output_dir)}")
    return overrides


def is_main_process() -> bool:
    from textbench.runtime.distributed import is_main

    return is_main()


def _run(kind_name: str, config: str | None, overrides: list[str], resume: bool,
         data_store: str | None = None) -> int:
    """Load the config and check the run folder (refused before torch loads), run it, print one summary line."""
    from textbench.runs.kinds import run_kind, stored_data

    kind = run_kind(kind_name)
    cfg = kind.load_config(config, overrides)
    if is_main_process():  # under torchrun/accelerate launch the main process claims the folder
        kind.check_folder(cfg, resume=resume)
    prepared = stored_data(cfg, Path(data_store)) if data_store else None
    result = kind.run(cfg, resume=resume, prepared=prepared)
    if is_main_process():  # under torchrun/accelerate launch the main process reports
        print(_summary(result))
    return 0


def _summary(result: Any) -> str:
    if hasattr(result, "test_metrics"):
        m, cost = result.test_metrics, result.test_metrics["cost"]
        return (f"run {result.run_dir}: {m.get('split', 'test')} macro-F1 {m['macro_f1']:.4f},"
                f" accuracy {m['accuracy']:.4f},"
                f" train {cost['train_seconds']:.1f}s, trainable params {cost['parameters']['trainable']:,}")
    m = result.metrics  # a pretraining run
    before = m["heldout_perplexity_before"]
    return (f"run {result.run_dir}: held-out perplexity {m['heldout_perplexity']:.2f}"
            + (f" (before training {before:.1f})" if before else "")
            + f", {m['train_seconds']:.0f}s; fine-tune with model.from_pretraining_run: {result.run_dir}")


def cmd_train(args: argparse.Namespace) -> int:
    return _run("finetune", args.config, _run_overrides(args), args.resume)


def cmd_pretrain(args: argparse.Namespace) -> int:
    return _run("pretrain", args.config, _run_overrides(args), args.resume)


def cmd_baseline(args: argparse.Namespace) -> int:
    return _run("baseline", args.config, [], args.resume)


def cmd_worker(args: argparse.Namespace) -> int:
    return _run(args.kind, args.config, [], args.resume, args.data_store)


def _inspect_target(args: argparse.Namespace):
    from textbench.config import load_run_config

    overrides = list(args.overrides)
    src = args.source
    if src and src.endswith((".yaml", ".yml")):
        cfg = load_run_config(src, overrides)
    else:
        if src:
            overrides.insert(0, f"data.source={json.dumps(src)}")
        cfg = load_run_config(None, overrides)
    if args.text_column:
        cfg.data.text_column = args.text_column
    if args.label_column:
        cfg.data.label_column = args.label_column
    for key, value in label_settings(args).items():
        setattr(cfg.data, key, value)
    if args.max_length:
        cfg.tokenizer.max_length = args.max_length
    return cfg


def cmd_data_inspect(args: argparse.Namespace) -> int:
    from textbench.data import compute_stats, format_stats, plot_class_balance, plot_lengths, prepare_data
    from textbench.runs.build import load_run_tokenizer
    from textbench.utils.io import write_json_atomic

    cfg = _inspect_target(args)
    prepared = prepare_data(cfg.data)
    tok = None
    tok_name = args.tokenizer or cfg.tokenizer.name_or_path
    if tok_name is None and cfg.model.kind == "pretrained":
        tok_name = cfg.model.name_or_path
    if tok_name:
        tok = load_run_tokenizer(dataclasses.replace(cfg.tokenizer, name_or_path=tok_name), None)
    stats = compute_stats(prepared, tokenizer=tok, max_length=cfg.tokenizer.max_length)
    print(format_stats(stats))
    name = Path(cfg.data.source.rstrip("/")).name.replace(":", "-") or "data"
    out = Path(args.out) if args.out else Path("data-inspect") / name
    _check_inspect_out(out, args.overwrite)
    out.mkdir(parents=True, exist_ok=True)
    plot_lengths(prepared, out / "lengths.png")
    plot_class_balance(prepared, out / "class_balance.png")
    write_json_atomic(out / "stats.json", stats)
    print(f"\ncharts and stats.json written to {out}/")
    return 0


INSPECT_FILES = ("stats.json", "lengths.png", "class_balance.png")


def _check_inspect_out(out: Path, overwrite: bool) -> None:
    from textbench.errors import ConfigError

    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file, not a folder; choose a folder for the charts and stats.json")
    earlier = [f for f in INSPECT_FILES if (out / f).exists()]
    if earlier and not overwrite:
        raise ConfigError(f"--out {out}: already holds {', '.join(earlier)}; add --overwrite to replace them,"
                          " or choose another --out")


def _check_predict_output(output: str, input_path: str, overwrite: bool) -> None:
    from textbench.errors import ConfigError

    if output == "-":
        return
    out = Path(output)
    if input_path != "-" and out.exists() and out.resolve() == Path(input_path).resolve():
        raise ConfigError(f"--output {output}: is the input file; predictions never replace their input,"
                          " choose another --output")
    if out.is_dir():
        raise ConfigError(f"--output {output}: is a folder; give a file name (JSONL)")
    if out.exists() and not overwrite:
        raise ConfigError(f"--output {output}: exists; add --overwrite to replace it, or choose another file")


def cmd_predict(args: argparse.Namespace) -> int:
    import numpy as np

    from textbench.inference.inputs import read_texts
    from textbench.runs.predictor import open_predictor
    from textbench.utils.io import write_text_atomic

    _check_predict_output(args.output, args.input, args.overwrite)  # before the model loads
    texts = read_texts(args.input, text_column=args.text_column)
    served = open_predictor(args.run_dir, batch_size=args.batch_size, quantize=args.quantize, backend=args.backend)
    if served.chosen:
        print(f"note: predicting with {served.chosen}", file=sys.stderr)
    pred = served.predictor
    kept = [i for i, t in enumerate(texts) if t.strip()]  # an empty row keeps its line, marked, unpredicted
    probs = dict(zip(kept, pred.predict_proba([texts[i] for i in kept])))
    multi_label = bool(getattr(pred, "multi_label", False))
    if multi_label:  # every label whose probability reaches its threshold (tuned on validation)
        from textbench.evaluation.multilabel import predict_labels

        chosen = dict(zip(kept, predict_labels(np.array([probs[i] for i in kept]).reshape(len(kept), -1),
                                               getattr(pred, "thresholds", None))))
    records = []
    for i, text in enumerate(texts):
        if i not in probs:
            records.append({"text": text, "labels" if multi_label else "label": None, "probability": None,
                            "probabilities": None, "skipped": "empty text"})
            continue
        p = probs[i]
        per_label = {n: round(float(v), 6) for n, v in zip(pred.label_names, p)}
        if multi_label:
            records.append({"text": text, "labels": [n for n, on in zip(pred.label_names, chosen[i]) if on],
                            "probabilities": per_label})
        else:
            records.append({"text": text, "label": pred.label_names[int(p.argmax())],
                            "probability": round(float(p.max()), 6), "probabilities": per_label})
    if len(kept) < len(texts):
        print(f"note: {len(texts) - len(kept)} empty row(s) kept in place, marked \"skipped\", not predicted",
              file=sys.stderr)
    csv_out = args.output_format == "csv" or (args.output_format is None and args.output.lower().endswith(".csv"))
    text = _as_csv(records, pred.label_names, _label_delimiter(served.run_dir)) if csv_out else "".join(
        json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    if args.output == "-":
        sys.stdout.write(text)
    else:  # written whole, through a temporary file: never half a file
        write_text_atomic(args.output, text)
    return 0


def _label_delimiter(run_dir: Path) -> str:
    """The run's data.label_delimiter (multi-label CSV output joins the labels with it)."""
    import yaml

    try:
        cfg = yaml.safe_load((Path(run_dir) / "config.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return "|"
    return str(((cfg.get("data") or {}).get("label_delimiter")) or "|")


def _as_csv(records: list[dict[str, Any]], label_names: list[str], delimiter: str = "|") -> str:
    """text, label, probability (of the label), then p_<class> for every class. Multi-label: text, labels
    (joined by the run's data.label_delimiter), then p_<label> for every label."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    multi_label = any("labels" in r for r in records)
    if multi_label:
        writer.writerow(["text", "labels", *(f"p_{n}" for n in label_names)])
    else:
        writer.writerow(["text", "label", "probability", *(f"p_{n}" for n in label_names)])
    for r in records:
        probs = r["probabilities"] or {}
        if multi_label:
            writer.writerow([r["text"], delimiter.join(r["labels"] or []),
                             *("" if n not in probs else probs[n] for n in label_names)])
            continue
        writer.writerow([r["text"], r["label"] or "", "" if r["probability"] is None else r["probability"],
                         *("" if n not in probs else probs[n] for n in label_names)])
    return out.getvalue()
