"""`textbench pretrain`: tokenizer (trained by default), then MLM (encoder) or causal LM (decoder)."""

from __future__ import annotations

import dataclasses
import math
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from datasets import Dataset, DatasetDict
from transformers import DataCollatorForLanguageModeling
from transformers.trainer_callback import PrinterCallback

from textbench.config.loader import to_dict
from textbench.data import prepare_data
from textbench.errors import ConfigError, DataError
from textbench.evaluation.plots import plot_learning_curves
from textbench.pretraining.config import PretrainConfig
from textbench.runs.build import load_run_tokenizer
from textbench.tokenization import tokenizer_hash
from textbench.tokenization.cache import train_tokenizer_cached
from textbench.runtime import distributed as dist
from textbench.runtime import environment as env
from textbench.runs.artifacts import write_training_log
from textbench.runs.checkpoints import last_complete_checkpoint
from textbench.runs.engine import RunClock, RunFolder, RunSpec, execute
from textbench.runs.records import PRETRAIN_METRICS, Manifest
from textbench.training.callbacks import (
    DistributedStopSyncCallback,
    NonFiniteLossCallback,
    ProgressFileCallback,
    TimeBudgetCallback,
)
from textbench.runtime.memory import peak_memory
from textbench.runs.folder import PROGRESS_FILE, publish_model
from textbench.runs.naming import PRETRAIN_RESUME_COMMAND, PRETRAIN_RESUME_SECTIONS, pretrain_run_name
from textbench.training.trainer import TextbenchTrainer, training_arguments
from textbench.utils.io import write_json_atomic

RUN_KIND = "pretrain"


@dataclass
class PretrainResult:
    run_dir: Path
    metrics: dict[str, Any]


def _read_extra(files: list[str], base: Path | None) -> list[str]:
    out: list[str] = []
    for f in files:
        p = Path(f)
        if base is not None and not p.is_absolute():
            p = base / p
        if not p.is_file():
            raise DataError(f"mlm.extra_text_files: {p} not found")
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise DataError(f"{p}: not UTF-8 text (byte {e.start})") from None
        out.extend(" ".join(line.split()) for line in text.splitlines() if line.strip())
    return out


def collect_texts(cfg: PretrainConfig, base_dir: Path | None = None) -> tuple[list[str], dict[str, Any]]:
    """Unlabelled texts: the dataset's training split and/or extra files (deduplicated, order kept)."""
    texts: list[str] = []
    info: dict[str, Any] = {}
    if cfg.mlm.use_dataset_texts:
        prepared = prepare_data(cfg.data, base_dir=base_dir)
        texts.extend(prepared.splits["train"]["text"])
        info["dataset"] = prepared.source
        info["dataset_train_hash"] = prepared.split_hash("train")
    extra = _read_extra(cfg.mlm.extra_text_files, base_dir)
    texts.extend(extra)
    info["extra_texts"] = len(extra)
    texts = list(dict.fromkeys(t for t in texts if t))
    if len(texts) < 10:
        raise DataError(f"pretraining needs at least 10 distinct texts, got {len(texts)}")
    info["texts"] = len(texts)
    return texts, info


def _build(cfg: PretrainConfig, texts: list[str], tmp: Path):
    from textbench.models import TextbenchConfig, TextbenchForCausalLM, TextbenchForMaskedLM
    from textbench.models.configuration import check_architecture_keys

    if cfg.tokenizer.name_or_path:
        tok = load_run_tokenizer(cfg.tokenizer, cfg.tokenizer.name_or_path)
    else:
        tcfg = cfg.tokenizer if cfg.tokenizer.train else dataclasses.replace(cfg.tokenizer, train="wordpiece")
        tok = train_tokenizer_cached(texts, tcfg, tmp / "tokenizer")
    check_architecture_keys(cfg.model.architecture)
    arch = dict(cfg.model.architecture)
    arch.setdefault("max_position_embeddings", max(cfg.tokenizer.max_length, 128))
    hf = TextbenchConfig(vocab_size=len(tok), pad_token_id=tok.pad_token_id, **arch)
    if cfg.tokenizer.max_length > hf.max_position_embeddings:
        raise ConfigError(
            f"tokenizer.max_length: {cfg.tokenizer.max_length} exceeds model.architecture.max_position_embeddings"
            f" {hf.max_position_embeddings}"
        )
    causal = hf.kind == "decoder"
    if not causal and tok.mask_token is None:
        raise ConfigError("tokenizer: masked-LM pretraining needs a tokenizer with a mask token")
    model = TextbenchForCausalLM(hf) if causal else TextbenchForMaskedLM(hf)
    return tok, model, causal


def pretrain_run(cfg: PretrainConfig, *, resume: bool = False, base_dir: Path | None = None,
                 quiet: bool = False) -> PretrainResult:
    """Pretrain and fill the run folder (``model/`` holds the LM and its tokenizer)."""
    clock = RunClock()
    dist.init()  # under torchrun/accelerate launch: the main process writes, all train
    env.configure_threads(cfg.train.threads)
    env.set_seed(cfg.train.seed)
    texts, info = collect_texts(cfg, base_dir)
    rng = np.random.default_rng(cfg.train.seed)
    order = rng.permutation(len(texts))
    n_held = max(1, int(round(cfg.mlm.heldout_fraction * len(texts))))
    held = [texts[i] for i in order[:n_held]]
    train = [texts[i] for i in order[n_held:]]
    name = cfg.output.name or pretrain_run_name(cfg)
    out_dir = Path(cfg.output.dir)
    if base_dir is not None and not out_dir.is_absolute():
        out_dir = base_dir / out_dir
    with tempfile.TemporaryDirectory(prefix="textbench-") as tmp:
        env.set_seed(cfg.train.seed)
        with dist.main_process_first():  # the main process fills the tokenizer cache
            tok, model, causal = _build(cfg, train, Path(tmp))
        ds = DatasetDict({"train": Dataset.from_dict({"text": train}),
                          "validation": Dataset.from_dict({"text": held})})
        ds = ds.map(lambda b: tok(b["text"], truncation=True, max_length=cfg.tokenizer.max_length,
                                  return_special_tokens_mask=not causal),
                    batched=True, remove_columns=["text"])
    spec = RunSpec(kind=RUN_KIND, out_dir=out_dir, name=name, config=to_dict(cfg),
                   resume_command=PRETRAIN_RESUME_COMMAND, if_exists=cfg.output.if_exists,
                   resume_sections=PRETRAIN_RESUME_SECTIONS)
    manifest = Manifest(seed=cfg.train.seed, machine=env.machine_info(), versions=env.library_versions(),
                        git_commit=env.git_commit(), tokenizer_hash=tokenizer_hash(tok),
                        extra={"objective": _objective(causal), "texts": info, "train_texts": len(train),
                               "heldout_texts": len(held)})
    return execute(spec, manifest, lambda folder: _pretrain(cfg, tok, model, causal, ds, folder, quiet),
                   resume=resume, clock=clock)


def _objective(causal: bool) -> str:
    return "causal-lm" if causal else "masked-lm"


def _pretrain(cfg: PretrainConfig, tok: Any, model: Any, causal: bool, ds: DatasetDict, folder: RunFolder,
              quiet: bool) -> PretrainResult:
    run_dir = folder.path
    collator = DataCollatorForLanguageModeling(
        tok, mlm=not causal, mlm_probability=cfg.mlm.mlm_probability if not causal else None,
        mask_replace_prob=cfg.mlm.mask_replace_prob, random_replace_prob=cfg.mlm.random_replace_prob,
        seed=cfg.train.seed,
    ) if not causal else DataCollatorForLanguageModeling(tok, mlm=False)
    args = training_arguments(cfg.train, run_dir / "checkpoints", disable_tqdm=quiet, run_dir=run_dir)
    args.train_sampling_strategy = "random"  # every epoch sees fresh masks; grouping buys little here
    callbacks: list[Any] = [NonFiniteLossCallback(), ProgressFileCallback(run_dir / PROGRESS_FILE)]
    if cfg.train.max_minutes:
        callbacks.append(TimeBudgetCallback(cfg.train.max_minutes))
    callbacks.append(DistributedStopSyncCallback())  # last: every process stops/saves together
    trainer = TextbenchTrainer(model=model, args=args, train_dataset=ds["train"], eval_dataset=ds["validation"],
                               data_collator=collator, processing_class=tok, callbacks=callbacks)
    if quiet:  # no per-step log dicts on stdout (they still go to trainer_log.json)
        trainer.remove_callback(PrinterCallback)
    before = trainer.evaluate() if not folder.resuming else None
    ck = run_dir / "checkpoints"
    last = dist.on_main(lambda: last_complete_checkpoint(ck)) if folder.resuming else None
    out = trainer.train(resume_from_checkpoint=last)
    after = trainer.evaluate()
    return dist.on_main(lambda: _write_results(cfg, trainer, tok, out, before, after, causal, run_dir, ck))


def _write_results(cfg: PretrainConfig, trainer: Any, tok: Any, out: Any, before: dict[str, float] | None,
                   after: dict[str, float], causal: bool, run_dir: Path, ck: Path) -> PretrainResult:
    publish_model(run_dir, lambda out: (trainer.model.save_pretrained(out), tok.save_pretrained(out)))
    history = trainer.state.log_history
    metrics = {
        "objective": _objective(causal),
        "heldout_loss": after["eval_loss"],
        "heldout_perplexity": math.exp(min(after["eval_loss"], 50)),
        "heldout_loss_before": before["eval_loss"] if before else None,
        "heldout_perplexity_before": math.exp(min(before["eval_loss"], 50)) if before else None,
        "train_seconds": round(float(out.metrics.get("train_runtime", 0.0)), 2),
        "epochs_completed": float(trainer.state.epoch or 0.0),
        "global_steps": trainer.state.global_step,
        **peak_memory(),
    }
    write_json_atomic(run_dir / PRETRAIN_METRICS, metrics)
    write_training_log(run_dir, history)
    plot_learning_curves(history, run_dir / "learning_curves.png", metric="loss", title=f"{run_dir.name}: pretraining")
    if not cfg.train.keep_checkpoints:
        shutil.rmtree(ck, ignore_errors=True)
    return PretrainResult(run_dir, metrics)
