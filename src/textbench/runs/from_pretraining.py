"""Fine-tune from a pretraining run: its architecture and tokenizer, its body weights, a new head."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textbench.errors import ConfigError, ModelError
from textbench.runs.folder import is_run_dir
from textbench.runs.records import STATUS_COMPLETE, read_manifest

# Settings a fine-tuning config may change on top of the pretrained architecture.
FINETUNE_SETTABLE = {
    "pooling", "classifier_head", "classifier_dropout", "hidden_dropout_prob",
    "attention_probs_dropout_prob", "embedding_dropout_prob",
}


def pretraining_model_dir(run: str | Path) -> Path:
    """The ``model/`` folder of a complete pretraining run, or a clear error."""
    run_dir = Path(run)
    where = f"model.from_pretraining_run: {run_dir}"
    if not run_dir.exists():
        raise ModelError(f"{where} does not exist")
    if not is_run_dir(run_dir):
        raise ModelError(f"{where} is not a textbench run folder")
    man = read_manifest(run_dir)
    if man is None or man.kind != "pretrain":
        raise ModelError(f"{where} is not a pretraining run (made by `textbench train`, not `textbench pretrain`)")
    if man.status != STATUS_COMPLETE:
        raise ModelError(f"{where} is not complete (status {man.status}); finish it with --resume")
    return run_dir / "model"


def build_from_pretraining_run(cfg: Any, prepared: Any) -> Any:
    """A BuiltModel whose body comes from the pretraining run and whose head is new."""
    from transformers import AutoTokenizer

    from textbench.models import TextbenchConfig, TextbenchForSequenceClassification
    from textbench.runs.build import BuiltModel, check_max_length

    model_dir = pretraining_model_dir(cfg.model.from_pretraining_run)
    if cfg.tokenizer.train or cfg.tokenizer.name_or_path:
        raise ConfigError(
            "tokenizer: a run fine-tuned from model.from_pretraining_run uses the pretraining run's tokenizer;"
            " remove tokenizer.train / tokenizer.name_or_path"
        )
    tok = AutoTokenizer.from_pretrained(model_dir)
    tok.model_max_length = cfg.tokenizer.max_length
    base = TextbenchConfig.from_pretrained(model_dir)
    conflicts = []
    for key, value in cfg.model.architecture.items():
        if key in FINETUNE_SETTABLE:
            setattr(base, key, value)
        elif getattr(base, key, object()) != value:
            conflicts.append(f"{key}={value!r} (pretrained: {getattr(base, key, None)!r})")
    if conflicts:
        raise ConfigError(
            "model.architecture conflicts with the pretraining run: " + ", ".join(conflicts)
            + f"; only {', '.join(sorted(FINETUNE_SETTABLE))} may change"
        )
    n = len(prepared.label_names)
    base.num_labels = n
    base.id2label = dict(enumerate(prepared.label_names))
    base.label2id = {v: k for k, v in base.id2label.items()}
    if prepared.multi_label:
        base.problem_type = "multi_label_classification"
    check_max_length(cfg.tokenizer.max_length, base, tok, str(model_dir))
    model, info = TextbenchForSequenceClassification.from_pretrained(model_dir, config=base, output_loading_info=True)
    expected = set(model.state_dict())
    missing = sorted(info.get("missing_keys", []))
    dropped = sorted(info.get("unexpected_keys", []))
    loaded = sorted(expected - set(missing))
    notes = [
        f"from pretraining run {Path(cfg.model.from_pretraining_run)}: loaded {len(loaded)} tensors",
        f"new (randomly initialised): {', '.join(missing) or 'none'}",
        f"dropped (pretraining head): {', '.join(dropped) or 'none'}",
    ]
    built = BuiltModel(model, tok, f"pretrain:{cfg.model.from_pretraining_run}", True, notes,
                       {"loaded": loaded, "missing_keys": missing, "unexpected_keys": dropped})
    built.pretrained = True
    return built
