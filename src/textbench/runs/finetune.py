"""Train one run: data -> model -> method -> Trainer -> run folder."""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
from transformers import DataCollatorWithPadding, EarlyStoppingCallback
from transformers.trainer_callback import PrinterCallback

from textbench.config.loader import to_dict
from textbench.config.schema import RunConfig
from textbench.data import PreparedData, prepare_data
from textbench.evaluation.names import LOWER_IS_BETTER
from textbench.evaluation.metrics import full_report, log_loss, make_compute_metrics
from textbench.evaluation.multilabel import tune_thresholds
from textbench.evaluation.plots import plot_learning_curves
from textbench.inference.predictor import Predictor
from textbench.inference.thresholds import write_thresholds
from textbench.methods import apply_method, count_parameters
from textbench.methods.saving import save_trained_model
from textbench.methods.caching import build_frozen_cache
from textbench.tokenization import tokenizer_hash
from textbench.tokenization.long_text import LongText, aggregate, encode
from textbench.runtime import distributed as dist
from textbench.runtime import environment as env
from textbench.runs.artifacts import best_eval, write_test_results, write_training_log
from textbench.runs.build import build_model
from textbench.runs.checkpoints import last_complete_checkpoint
from textbench.runs.engine import RunClock, RunFolder, RunSpec, execute
from textbench.runs.records import (REFERENCE_METRICS, VALIDATION_METRICS, Cost, DataRecord, Manifest, TestMetrics,
                                    write_record)
from textbench.training.callbacks import (
    DistributedStopSyncCallback,
    GracefulInterruptCallback,
    NonFiniteLossCallback,
    ProgressFileCallback,
    TimeBudgetCallback,
)
from textbench.runtime.memory import peak_memory, reset_cuda_peak
from textbench.runs.folder import PROGRESS_FILE, publish_model, update_manifest
from textbench.runs.model_card import write_model_card
from textbench.runs.naming import FINETUNE_RESUME_COMMAND, FINETUNE_RESUME_SECTIONS, finetune_run_name
from textbench.training.trainer import TextbenchTrainer, class_weight_tensor, training_arguments
from textbench.utils.io import write_json_atomic

log = logging.getLogger("textbench")
RUN_KIND = "finetune"
TRIAL_KIND = "trial"


@dataclass
class RunResult:
    run_dir: Path
    test_metrics: dict[str, Any]


def tokenize_splits(prepared: PreparedData, tokenizer: Any, cut: LongText) -> Any:
    """Cut each text to the window (``tokenizer.long_text``); no padding here (batches are padded
    dynamically). ``chunk``: one row per window, with its text's label and ``doc_index``."""
    if not cut.windows:
        return prepared.splits.map(lambda batch: encode(tokenizer, batch["text"], cut)[0], batched=True,
                                   remove_columns=["text"], desc=None)

    def windows(batch: dict[str, list], indices: list[int]) -> dict[str, list]:
        enc, doc = encode(tokenizer, batch["text"], cut)
        return {**enc, "label": [batch["label"][d] for d in doc], "doc_index": [indices[d] for d in doc]}

    return prepared.splits.map(windows, batched=True, with_indices=True, desc=None,
                               remove_columns=prepared.splits["train"].column_names)


def per_text_metrics(tokenized_split: Any, cut: LongText) -> Callable[[np.ndarray, np.ndarray], tuple] | None:
    """For validation metrics per text: (window logits, window labels) -> (text logits, text labels)."""
    if not cut.windows:
        return None
    doc = np.asarray(tokenized_split["doc_index"], dtype=np.int64)
    n = int(doc.max()) + 1 if len(doc) else 0

    def reduce(logits: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        per_text = np.zeros((n, *labels.shape[1:]), dtype=labels.dtype)  # (N,) ids or (N, K) multi-label rows
        per_text[doc] = labels  # every window carries its text's label
        return aggregate(logits, doc, n, cut.aggregate), per_text

    return reduce


def train_run(
    cfg: RunConfig,
    *,
    resume: bool = False,
    base_dir: Path | None = None,
    quiet: bool = False,
    prepared: PreparedData | None = None,
    test: bool = True,
    callbacks: list[Any] | None = None,
) -> RunResult:
    """Train ``cfg`` and fill its run folder; returns the folder and test metrics.

    ``test=False`` (a tuning trial): the run never sees the test split; its result is the
    best validation record (``validation_metrics.json``) and no model is saved.
    ``callbacks`` are added to the Trainer's (a trial's pruning callback).

    Everything that can fail on bad input (data, tokenizer, model, method) is done
    before the run folder is created, so a bad config leaves nothing behind.

    Under ``torchrun``/``accelerate launch`` every process runs this; the main process
    claims and writes the run folder and measures the test set, the others train with it
    and get the same result back.
    """
    clock = RunClock()
    dist.init()
    if not dist.is_main():
        log.setLevel(logging.WARNING)
    env.configure_threads(cfg.train.threads)
    env.set_seed(cfg.train.seed)
    reset_cuda_peak()
    if prepared is None:
        prepared = prepare_data(cfg.data, base_dir=base_dir)
    data_record = DataRecord.of(prepared)
    if not test:
        prepared = prepared.without_test()  # a trial cannot read what it must not see
    name = cfg.output.name or finetune_run_name(cfg)
    cfg = dataclasses.replace(cfg, output=dataclasses.replace(cfg.output, name=name))
    out_dir = Path(cfg.output.dir)
    if base_dir is not None and not out_dir.is_absolute():
        out_dir = base_dir / out_dir

    with tempfile.TemporaryDirectory(prefix="textbench-") as tmp:
        env.set_seed(cfg.train.seed)  # model init and adapter init are seeded
        with dist.main_process_first():  # the main process fills the tokenizer/model caches
            built = build_model(cfg, prepared, Path(tmp))
        model = apply_method(built.model, cfg.method)
        tokenized = tokenize_splits(prepared, built.tokenizer, LongText.of(cfg.tokenizer))
    spec = RunSpec(kind=RUN_KIND if test else TRIAL_KIND, out_dir=out_dir, name=name, config=to_dict(cfg),
                   resume_command=FINETUNE_RESUME_COMMAND, if_exists=cfg.output.if_exists,
                   resume_sections=FINETUNE_RESUME_SECTIONS)
    manifest = Manifest(seed=cfg.train.seed, machine=env.machine_info(), versions=env.library_versions(),
                        git_commit=env.git_commit(), data=data_record,
                        tokenizer_hash=tokenizer_hash(built.tokenizer), model_source=built.source,
                        notes=list(built.notes))
    if built.notes and not quiet:
        for n in built.notes:
            log.info(n)
    job = _Finetune(cfg, prepared, built, model, tokenized, quiet, test, list(callbacks or []))
    return execute(spec, manifest, job.run, resume=resume, clock=clock)


@dataclass
class _Finetune:
    """The fine-tune run kind's body: Trainer on the claimed folder, then the test set."""

    cfg: RunConfig
    prepared: PreparedData
    built: Any  # runs.build.BuiltModel
    model: Any
    tokenized: Any
    quiet: bool
    test: bool = True  # False: a tuning trial (validation only, no model saved)
    callbacks: list[Any] = field(default_factory=list)

    @property
    def cut(self) -> LongText:
        """How texts longer than the window are read (``tokenizer.long_text``)."""
        return LongText.of(self.cfg.tokenizer)

    def run(self, folder: RunFolder) -> RunResult:
        cfg, run_dir = self.cfg, folder.path
        params = count_parameters(self.model)
        ckpt_dir = run_dir / "checkpoints"
        args = training_arguments(cfg.train, ckpt_dir, disable_tqdm=self.quiet, run_dir=run_dir)
        # linear_probe / freeze: the frozen part runs once; the Trainer trains only what trains
        cache = build_frozen_cache(self.model, cfg.method, self.tokenized, self.built.tokenizer,
                                   batch_size=cfg.train.eval_batch_size, device=args.device, bf16=args.bf16)
        if dist.is_main():
            update_manifest(run_dir, **cache.manifest())
        if cache.used and not self.quiet:
            log.info("frozen cache: %s", cache.detail)
        trainer, interrupt, budget = self._trainer(args, cache, run_dir)
        predictor = Predictor(
            self.model, self.built.tokenizer, label_names=self.prepared.label_names,
            batch_size=cfg.train.eval_batch_size, bf16=env.use_bf16(cfg.train.precision),
            cut=self.cut,
        )
        if self.test:
            dist.on_main(lambda: self._reference(predictor, run_dir))
        last = dist.on_main(lambda: last_complete_checkpoint(ckpt_dir)) if folder.resuming else None
        t_train = time.perf_counter()
        try:
            train_out = trainer.train(resume_from_checkpoint=last)
        finally:
            interrupt.on_train_end(args, trainer.state, trainer.control)
        interrupted, stopped_by_budget = dist.any_processes(interrupt.interrupted, bool(budget and budget.triggered))
        if interrupted:
            raise KeyboardInterrupt
        runtime = float(train_out.metrics.get("train_runtime", time.perf_counter() - t_train))
        epochs = float(trainer.state.epoch or 0.0)
        history = trainer.state.log_history
        best = best_eval(history, cfg.train.metric_for_best_model,
                         greater=cfg.train.metric_for_best_model not in LOWER_IS_BETTER)
        cost = Cost(parameters=params, train_seconds=round(runtime, 2), epochs_completed=round(epochs, 3),
                    seconds_per_epoch=round(runtime / epochs, 2) if epochs > 0 else None,
                    train_samples_per_second=train_out.metrics.get("train_samples_per_second"),
                    global_steps=trainer.state.global_step, best_epoch=best.get("epoch") if best else None,
                    stopped_by_time_budget=stopped_by_budget)
        if not self.test:
            return dist.on_main(lambda: self._finish_trial(run_dir, cost, history, best, ckpt_dir))
        # One process measures the whole test set and writes the run files; all get its metrics.
        return dist.on_main(lambda: self._finish(run_dir, predictor, cache, cost, history, ckpt_dir))

    def _trainer(self, args: Any, cache: Any, run_dir: Path) -> tuple[TextbenchTrainer, Any, Any]:
        cfg = self.cfg
        interrupt = GracefulInterruptCallback()
        callbacks: list[Any] = [NonFiniteLossCallback(), interrupt, ProgressFileCallback(run_dir / PROGRESS_FILE)]
        budget = None
        if cfg.train.max_minutes:  # the cache counts against the budget
            budget = TimeBudgetCallback(max(cfg.train.max_minutes - cache.seconds / 60, 0.0))
            callbacks.append(budget)
        if cfg.train.early_stopping_patience:
            callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.train.early_stopping_patience))
        callbacks.extend(self.callbacks)
        spec = cfg.method.spec
        callbacks.extend(spec.callbacks(cfg.method.settings) if spec.callbacks else [])  # e.g. AdaLoRA's ranks
        callbacks.append(DistributedStopSyncCallback())  # last: every process stops/saves together
        weights = class_weight_tensor(cfg.train.class_weights, self.prepared.splits["train"]["label"],
                                      len(self.prepared.label_names))
        trainer = TextbenchTrainer(
            **cache.trainer_inputs(self.model, self.tokenized, DataCollatorWithPadding(self.built.tokenizer)),
            args=args,
            processing_class=self.built.tokenizer,
            compute_metrics=make_compute_metrics(len(self.prepared.label_names),
                                                 per_text_metrics(self.tokenized["validation"], self.cut),
                                                 multi_label=self.prepared.multi_label),
            callbacks=callbacks,
            class_weights=weights,
            head_learning_rate=cfg.method.head_learning_rate,
        )
        if self.quiet:  # no per-step log dicts on stdout (they still go to trainer_log.json)
            trainer.remove_callback(PrinterCallback)
        return trainer, interrupt, budget

    def _finish_trial(self, run_dir: Path, cost: Cost, history: list[dict[str, Any]], best: dict[str, Any] | None,
                      ckpt_dir: Path) -> RunResult:
        """A trial's result: its best validation record (what the search compares), no model."""
        scores = {k[5:]: v for k, v in (best or {}).items() if k.startswith("eval_")}
        metrics = TestMetrics(split="validation", scores=scores, cost=dataclasses.replace(cost, **peak_memory()))
        write_record(run_dir / VALIDATION_METRICS, metrics)
        write_training_log(run_dir, history)
        shutil.rmtree(ckpt_dir, ignore_errors=True)
        return RunResult(run_dir, metrics.to_json())

    def _split(self, name: str = "test") -> tuple[list[str], np.ndarray]:
        rows = self.prepared.splits[name][:]
        return list(rows["text"]), np.asarray(rows["label"])  # labels (N,) ids or (N, K) multi-label rows

    def _thresholds(self, predictor: Predictor) -> np.ndarray | None:
        """Multi-label: each label's decision threshold, tuned on validation (the best checkpoint's)."""
        if not self.prepared.multi_label:
            return None
        texts, labels = self._split("validation")
        predictor.thresholds = tune_thresholds(predictor.predict_proba(texts), labels)
        return predictor.thresholds

    def _reference(self, predictor: Predictor, run_dir: Path) -> None:
        """The pretrained model's test scores before training (``reference_metrics.json``), once."""
        path = run_dir / REFERENCE_METRICS
        if self.built.pretrained and self.cfg.eval.reference_before_training and not path.exists():
            texts, labels = self._split("test")
            probs, _ = predictor.timed_predict(texts)
            write_json_atomic(path, {"split": "test", **full_report(probs, labels, self.prepared.label_names)})

    def _finish(self, run_dir: Path, predictor: Predictor, cache: Any, cost: Cost, history: list[dict[str, Any]],
                ckpt_dir: Path) -> RunResult:
        cfg, names = self.cfg, self.prepared.label_names
        t_thresholds = time.perf_counter()
        thresholds = self._thresholds(predictor)
        tuned = {"threshold_tuning_seconds": round(time.perf_counter() - t_thresholds, 2)} if thresholds is not None else {}
        texts, labels = self._split("test")
        # The best checkpoint is loaded back (load_best_model_at_end); measure it on test.
        probs, inference = predictor.timed_predict(texts)
        scores = full_report(probs, labels, names, thresholds)
        scores["loss"] = log_loss(probs, labels)

        def save(out: Path) -> None:  # the full model (with the cache, the Trainer held its trained parts)
            save_trained_model(self.model, out, cfg.method)
            self.built.tokenizer.save_pretrained(out)
            if thresholds is not None:
                write_thresholds(out, thresholds, names)
            kind = "from scratch" if cfg.model.kind == "scratch" else "fine-tuned"
            write_model_card(out, name=run_dir.name, config=to_dict(cfg), scores=scores, label_names=names,
                             data=DataRecord.of(self.prepared), method=f"{kind}, {cfg.method.describe()}",
                             tag=cfg.method.name.replace("_", "-"))

        publish_model(run_dir, save)
        cost = dataclasses.replace(cost, **peak_memory(), **inference, test_examples=len(texts),
                                   # windows' cached probabilities do not add up to a text's: no check then
                                   extra={**cache.cost(None if self.cut.windows else probs,
                                                       cfg.train.eval_batch_size), **tuned})
        metrics = TestMetrics(scores=scores, cost=cost)
        write_test_results(run_dir, metrics, labels, probs, names, history)
        plot_learning_curves(history, run_dir / "learning_curves.png", cfg.train.metric_for_best_model,
                             title=f"{run_dir.name}: learning curves")
        if not cfg.train.keep_checkpoints:
            shutil.rmtree(ckpt_dir, ignore_errors=True)
        return RunResult(run_dir, metrics.to_json())
