"""Train one run: data -> model -> method -> Trainer -> run folder."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from transformers import DataCollatorWithPadding, EarlyStoppingCallback
from transformers.trainer_callback import PrinterCallback

from textbench.config.loader import to_dict
from textbench.config.schema import RunConfig
from textbench.data import PreparedData, prepare_data
from textbench.errors import RunError
from textbench.evaluation.metrics import full_report, make_compute_metrics
from textbench.evaluation.plots import plot_confusion_matrix, plot_learning_curves
from textbench.inference.predictor import Predictor
from textbench.methods import apply_method, count_parameters
from textbench.methods.saving import save_trained_model
from textbench.methods.caching import build_frozen_cache
from textbench.tokenization import tokenizer_hash
from textbench.runtime import distributed as dist
from textbench.runtime import environment as env
from textbench.runs.artifacts import best_eval, write_metrics_csv, write_predictions_csv
from textbench.runs.build import build_model
from textbench.runs.checkpoints import last_complete_checkpoint
from textbench.training.callbacks import (
    DistributedStopSyncCallback,
    GracefulInterruptCallback,
    NonFiniteLossCallback,
    ProgressFileCallback,
    TimeBudgetCallback,
)
from textbench.runtime.memory import peak_memory, reset_cuda_peak
from textbench.runs.folder import PROGRESS_FILE, claim_run_dir, guarded_run, now_iso, publish_model, update_manifest
from textbench.training.trainer import TextbenchTrainer, class_weight_tensor, training_arguments
from textbench.utils.io import write_json_atomic, write_yaml_atomic

log = logging.getLogger("textbench")


@dataclass
class RunResult:
    run_dir: Path
    test_metrics: dict[str, Any]


def default_run_name(cfg: RunConfig) -> str:
    if cfg.model.kind == "scratch":
        arch = cfg.model.architecture
        return f"scratch-{arch.get('kind', 'encoder')}-{arch.get('attention_type', 'mha')}"
    base = cfg.model.name_or_path.rstrip("/").split("/")[-1].replace("builtin:", "")
    return f"{base}-{cfg.method.name}"


def tokenize_splits(prepared: PreparedData, tokenizer: Any, max_length: int) -> Any:
    """Truncate to ``max_length``; no padding here (batches are padded dynamically)."""

    def enc(batch: dict[str, list]) -> dict[str, list]:
        return tokenizer(batch["text"], truncation=True, max_length=max_length)

    return prepared.splits.map(enc, batched=True, remove_columns=["text"], desc=None)


def _resolved_config(cfg: RunConfig) -> dict[str, Any]:
    return to_dict(cfg)


def _check_resume_config(run_dir: Path, cfg: RunConfig) -> None:
    import yaml

    saved_path = run_dir / "config.yaml"
    if not saved_path.is_file():
        return
    saved = yaml.safe_load(saved_path.read_text(encoding="utf-8")) or {}
    now = _resolved_config(cfg)
    for section in ("data", "tokenizer", "model", "method"):
        if saved.get(section) != now.get(section):
            raise RunError(
                f"{run_dir}: cannot resume, the config's {section!r} section differs from the saved run's"
            )


def train_run(
    cfg: RunConfig,
    *,
    resume: bool = False,
    base_dir: Path | None = None,
    quiet: bool = False,
    prepared: PreparedData | None = None,
) -> RunResult:
    """Train ``cfg`` and fill its run folder; returns the folder and test metrics.

    Everything that can fail on bad input (data, tokenizer, model, method) is done
    before the run folder is created, so a bad config leaves nothing behind.

    Under ``torchrun``/``accelerate launch`` every process runs this; the main process
    claims and writes the run folder and measures the test set, the others train with it
    and get the same result back.
    """
    started = now_iso()
    t_start = time.perf_counter()
    dist.init()
    if not dist.is_main():
        log.setLevel(logging.WARNING)
    env.configure_threads(cfg.train.threads)
    env.set_seed(cfg.train.seed)
    reset_cuda_peak()
    if prepared is None:
        prepared = prepare_data(cfg.data, base_dir=base_dir)
    name = cfg.output.name or default_run_name(cfg)
    cfg = dataclasses.replace(cfg, output=dataclasses.replace(cfg.output, name=name))
    out_dir = Path(cfg.output.dir)
    if base_dir is not None and not out_dir.is_absolute():
        out_dir = base_dir / out_dir

    with tempfile.TemporaryDirectory(prefix="textbench-") as tmp:
        env.set_seed(cfg.train.seed)  # model init and adapter init are seeded
        with dist.main_process_first():  # the main process fills the tokenizer/model caches
            built = build_model(cfg, prepared, Path(tmp))
        model = apply_method(built.model, cfg.method)
        tokenized = tokenize_splits(prepared, built.tokenizer, cfg.tokenizer.max_length)
        weights = class_weight_tensor(
            cfg.train.class_weights, prepared.splits["train"]["label"], len(prepared.label_names)
        )
        run_dir, resuming = dist.on_main(
            lambda: claim_run_dir(out_dir, name, if_exists=cfg.output.if_exists, resume=resume))
    if resuming:
        dist.on_main(lambda: _check_resume_config(run_dir, cfg))
    with guarded_run(run_dir, fresh=not resuming, resume_command="textbench train CONFIG --resume"):
        return _train_in_dir(cfg, prepared, built, model, tokenized, weights, run_dir, resuming, started,
                             t_start, quiet)


def _train_in_dir(cfg, prepared, built, model, tokenized, weights, run_dir: Path, resuming: bool,
                  started: str, t_start: float, quiet: bool) -> RunResult:
    tokenizer = built.tokenizer
    manifest_base = {
        "name": run_dir.name,
        "status": "running",
        "started": started,
        "seed": cfg.train.seed,
        "machine": env.machine_info(),
        "versions": env.library_versions(),
        "git_commit": env.git_commit(),
        "data": {
            "source": prepared.source,
            "created_splits": prepared.created_splits,
            "split_hashes": {s: prepared.split_hash(s) for s in ("train", "validation", "test")},
            "summary": prepared.summary(),
        },
        "tokenizer_hash": tokenizer_hash(tokenizer),
        "model_source": built.source,
        "notes": built.notes,
    }
    main = dist.is_main()
    if main and not resuming:
        write_yaml_atomic(run_dir / "config.yaml", _resolved_config(cfg))
    if main:
        update_manifest(run_dir, **manifest_base, processes=dist.world_size())
    if built.notes and not quiet:
        for n in built.notes:
            log.info(n)

    params = count_parameters(model)
    ckpt_dir = run_dir / "checkpoints"
    args = training_arguments(cfg.train, ckpt_dir, disable_tqdm=quiet)
    # linear_probe / freeze: the frozen part runs once; the Trainer trains only what trains
    cache = build_frozen_cache(model, cfg.method, tokenized, tokenizer, batch_size=cfg.train.eval_batch_size,
                               device=args.device, bf16=args.bf16)
    if main:
        update_manifest(run_dir, **cache.manifest())
    if cfg.method.name in ("linear_probe", "freeze") and not quiet:
        log.info("frozen cache: %s", cache.detail)
    interrupt = GracefulInterruptCallback()
    callbacks: list[Any] = [NonFiniteLossCallback(), interrupt, ProgressFileCallback(run_dir / PROGRESS_FILE)]
    budget = None
    if cfg.train.max_minutes:
        budget = TimeBudgetCallback(max(cfg.train.max_minutes - cache.seconds / 60, 0.0))  # the cache counts
        callbacks.append(budget)
    if cfg.train.early_stopping_patience:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.train.early_stopping_patience))
    callbacks.append(DistributedStopSyncCallback())  # last: every process stops/saves together
    trainer = TextbenchTrainer(
        **cache.trainer_inputs(model, tokenized, DataCollatorWithPadding(tokenizer)),
        args=args,
        processing_class=tokenizer,
        compute_metrics=make_compute_metrics(len(prepared.label_names)),
        callbacks=callbacks,
        class_weights=weights,
        head_learning_rate=cfg.method.head_learning_rate,
    )
    if quiet:  # no per-step log dicts on stdout (they still go to trainer_log.json)
        trainer.remove_callback(PrinterCallback)
    predictor = Predictor(
        model, tokenizer, label_names=prepared.label_names, max_length=cfg.tokenizer.max_length,
        batch_size=cfg.train.eval_batch_size, bf16=env.use_bf16(cfg.train.precision),
    )
    test_texts = list(prepared.splits["test"]["text"])
    test_labels = np.asarray(prepared.splits["test"]["label"])

    def reference() -> None:
        if built.pretrained and cfg.eval.reference_before_training and not (run_dir / "reference_metrics.json").exists():
            probs, _ = predictor.timed_predict(test_texts)
            ref = full_report(probs, test_labels, prepared.label_names)
            write_json_atomic(run_dir / "reference_metrics.json", {"split": "test", **ref})

    dist.on_main(reference)
    last = dist.on_main(lambda: last_complete_checkpoint(ckpt_dir)) if resuming else None
    t_train = time.perf_counter()
    try:
        train_out = trainer.train(resume_from_checkpoint=last)
    finally:
        interrupt.on_train_end(args, trainer.state, trainer.control)
    interrupted, stopped_by_budget = dist.any_processes(interrupt.interrupted, bool(budget and budget.triggered))
    if interrupted:
        raise KeyboardInterrupt
    train_seconds = time.perf_counter() - t_train
    history = trainer.state.log_history

    def finish() -> RunResult:
        # The best checkpoint is loaded back (load_best_model_at_end); measure it on test.
        probs, inf_stats = predictor.timed_predict(test_texts)
        report = full_report(probs, test_labels, prepared.label_names)
        report["loss"] = float(-np.mean(np.log(np.clip(probs[np.arange(len(test_labels)), test_labels], 1e-12, 1))))

        def save(out: Path) -> None:  # the full model (with the cache, the Trainer held its trained parts)
            save_trained_model(model, out, cfg.method)
            tokenizer.save_pretrained(out)

        publish_model(run_dir, save)

        epochs_done = float(trainer.state.epoch or 0.0)
        best = best_eval(history, cfg.train.metric_for_best_model,
                         greater=cfg.train.metric_for_best_model not in ("loss", "entropy"))
        cost = {
            "parameters": params,
            "train_seconds": round(float(train_out.metrics.get("train_runtime", train_seconds)), 2),
            "epochs_completed": round(epochs_done, 3),
            "seconds_per_epoch": round(float(train_out.metrics.get("train_runtime", train_seconds)) / epochs_done, 2)
            if epochs_done > 0 else None,
            "train_samples_per_second": train_out.metrics.get("train_samples_per_second"),
            "global_steps": trainer.state.global_step,
            "best_epoch": best.get("epoch") if best else None,
            "stopped_by_time_budget": stopped_by_budget,
            **peak_memory(),
            **inf_stats,
            "test_examples": len(test_texts),
            **cache.cost(probs, cfg.train.eval_batch_size),
        }
        test_metrics = {"split": "test", **report, "cost": cost}
        write_json_atomic(run_dir / "test_metrics.json", test_metrics)
        write_predictions_csv(run_dir / "test_predictions.csv", test_labels, probs, prepared.label_names)
        write_metrics_csv(history, run_dir / "metrics.csv")
        write_json_atomic(run_dir / "trainer_log.json", history)
        plot_confusion_matrix(report["confusion_matrix"], prepared.label_names, run_dir / "confusion_matrix.png",
                              title=f"{run_dir.name}: confusion matrix (test)")
        plot_learning_curves(history, run_dir / "learning_curves.png", cfg.train.metric_for_best_model,
                             title=f"{run_dir.name}: learning curves")
        if not cfg.train.keep_checkpoints:
            shutil.rmtree(ckpt_dir, ignore_errors=True)
        update_manifest(run_dir, status="complete", ended=now_iso(),
                        total_seconds=round(time.perf_counter() - t_start, 2))
        return RunResult(run_dir, test_metrics)

    # One process measures the whole test set and writes the run files; all get its metrics.
    return dist.on_main(finish)
