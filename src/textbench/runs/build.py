"""Build the model and tokenizer a run trains: pretrained checkpoint or from scratch."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel

from textbench.config.schema import RunConfig
from textbench.data import PreparedData
from textbench.errors import ConfigError, ModelError, TextbenchError
from textbench.models.builtin import resolve_model_path
from textbench.tokenization import load_tokenizer
from textbench.tokenization.load import TOKENIZER_FILES
from textbench.tokenization.cache import train_tokenizer_cached

log = logging.getLogger(__name__)


def load_run_tokenizer(tcfg: Any, model_path: str | None) -> Any:
    """``load_tokenizer`` with ``tokenizer.name_or_path: builtin:NAME`` understood like a model's."""
    import dataclasses

    if tcfg.name_or_path and tcfg.name_or_path.startswith("builtin:"):
        tcfg = dataclasses.replace(tcfg, name_or_path=resolve_model_path(tcfg.name_or_path))
    return load_tokenizer(tcfg, model_path)


@dataclass
class BuiltModel:
    model: PreTrainedModel
    tokenizer: Any
    source: str  # where the weights came from ("scratch", a path, a pretraining run)
    pretrained: bool
    notes: list[str] = field(default_factory=list)
    loading_info: dict[str, list[str]] = field(default_factory=dict)


def _label_kwargs(prepared: PreparedData) -> dict[str, Any]:
    out: dict[str, Any] = {
        "num_labels": len(prepared.label_names),
        "id2label": dict(enumerate(prepared.label_names)),
        "label2id": {n: i for i, n in enumerate(prepared.label_names)},
    }
    if prepared.multi_label:  # one sigmoid per label and BCE, in every model kind (transformers' own and ours)
        out["problem_type"] = "multi_label_classification"
    return out


def _load_hf_config(path: str, cfg: RunConfig) -> Any:
    try:
        return AutoConfig.from_pretrained(
            path, revision=cfg.model.revision, trust_remote_code=cfg.model.trust_remote_code
        )
    except (OSError, ValueError, KeyError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(
            f"model.name_or_path: {cfg.model.name_or_path!r} is not a model folder or reachable hub id ({first})"
        ) from None


def check_max_length(max_length: int, model_config: Any, tokenizer: Any, where: str) -> None:
    """``tokenizer.max_length`` must fit the model's position table."""
    limit = getattr(model_config, "max_position_embeddings", None)
    if limit and max_length > limit:
        raise ConfigError(
            f"tokenizer.max_length: {max_length} exceeds the model's limit of {limit} positions ({where})"
        )


def check_vocab(model: PreTrainedModel, tokenizer: Any, where: str) -> None:
    """Every token id the tokenizer can produce must have an embedding row."""
    emb = model.get_input_embeddings()
    n = emb.num_embeddings if emb is not None else None
    if n is not None and len(tokenizer) > n:
        raise ModelError(
            f"tokenizer has {len(tokenizer)} tokens but the model ({where}) embeds only {n};"
            " the tokenizer does not belong to this model (set tokenizer.name_or_path to the model's)"
        )


def foreign_tokenizer_note(tokenizer: Any, model_path: str, tokenizer_name: str | None) -> str | None:
    """A warning when ``tokenizer.name_or_path`` is not the model's own tokenizer and maps ids differently.

    A larger tokenizer is an error (`check_vocab`); a smaller or equal one runs, but the
    pretrained embeddings are then read with other ids, which is rarely what was meant.
    """
    if not tokenizer_name or Path(tokenizer_name).expanduser().resolve() == Path(model_path).resolve():
        return None
    folder = Path(model_path)
    if not (folder.is_dir() and any((folder / f).exists() for f in TOKENIZER_FILES)):
        return None
    try:
        own = AutoTokenizer.from_pretrained(str(folder), trust_remote_code=False)
    except Exception:  # noqa: BLE001 - the model's own tokenizer is only used for this comparison
        return None
    mine, theirs = tokenizer.get_vocab(), own.get_vocab()
    if mine == theirs:
        return None
    same = sum(theirs.get(tok) == i for tok, i in mine.items())
    return (f"warning: tokenizer {tokenizer_name} is not the model's own ({len(mine)} vs {len(theirs)} tokens;"
            f" {same / max(len(mine), 1):.0%} of its tokens have the same id), so the pretrained embeddings"
            " are read with other ids; remove tokenizer.name_or_path to use the model's tokenizer")


def build_pretrained(cfg: RunConfig, prepared: PreparedData) -> BuiltModel:
    path = resolve_model_path(cfg.model.name_or_path)
    hf_config = _load_hf_config(path, cfg)
    tokenizer = load_run_tokenizer(cfg.tokenizer, path)
    check_max_length(cfg.tokenizer.max_length, hf_config, tokenizer, cfg.model.name_or_path)
    kwargs = _label_kwargs(prepared)
    if tokenizer.pad_token_id is not None:
        kwargs["pad_token_id"] = tokenizer.pad_token_id
    try:
        model, info = AutoModelForSequenceClassification.from_pretrained(
            path,
            revision=cfg.model.revision,
            trust_remote_code=cfg.model.trust_remote_code,
            ignore_mismatched_sizes=True,
            output_loading_info=True,
            **kwargs,
        )
    except TextbenchError:
        raise
    except Exception as e:  # OSError, ValueError, SafetensorError (a corrupt weights file), ...
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(
            f"model.name_or_path: cannot load {cfg.model.name_or_path!r} for classification"
            f" ({type(e).__name__}: {first})"
        ) from None
    check_vocab(model, tokenizer, cfg.model.name_or_path)
    loading = {k: list(v) for k, v in info.items() if isinstance(v, (list, set)) and v}
    notes = []
    foreign = foreign_tokenizer_note(tokenizer, str(path), cfg.tokenizer.name_or_path)
    if foreign:
        notes.append(foreign)
    if loading.get("missing_keys"):
        notes.append(f"new (randomly initialised): {', '.join(sorted(loading['missing_keys']))}")
    return BuiltModel(model, tokenizer, path, True, notes, loading)


def scratch_architecture(cfg: RunConfig) -> dict[str, Any]:
    """A from-scratch model's ``TextbenchConfig`` settings: the config's, positions sized to the tokenizer."""
    arch = dict(cfg.model.architecture)
    arch.setdefault("max_position_embeddings", max(cfg.tokenizer.max_length, 128))
    return arch


def _scratch_config(cfg: RunConfig, tokenizer: Any, prepared: PreparedData) -> Any:
    from textbench.models import TextbenchConfig
    from textbench.models.configuration import check_architecture_keys

    check_architecture_keys(cfg.model.architecture)
    arch = scratch_architecture(cfg)
    hf_config = TextbenchConfig(
        vocab_size=len(tokenizer), pad_token_id=tokenizer.pad_token_id, **arch, **_label_kwargs(prepared)
    )
    check_max_length(cfg.tokenizer.max_length, hf_config, tokenizer, "model.architecture")
    return hf_config


def build_scratch(cfg: RunConfig, prepared: PreparedData, workdir: Path) -> BuiltModel:
    from textbench.models import TextbenchForSequenceClassification

    if cfg.model.from_pretraining_run:
        from textbench.runs.from_pretraining import build_from_pretraining_run

        return build_from_pretraining_run(cfg, prepared)
    if cfg.tokenizer.name_or_path:
        tokenizer = load_run_tokenizer(cfg.tokenizer, cfg.tokenizer.name_or_path)
        notes = [f"tokenizer: {cfg.tokenizer.name_or_path}"]
    else:
        kind = cfg.tokenizer.train or "wordpiece"
        tcfg = cfg.tokenizer if cfg.tokenizer.train else _with_train(cfg.tokenizer, kind)
        tokenizer = train_tokenizer_cached(prepared.splits["train"]["text"], tcfg, workdir / "tokenizer")
        notes = [f"tokenizer: {kind} trained on the training split, {len(tokenizer)} tokens"]
    hf_config = _scratch_config(cfg, tokenizer, prepared)
    model = TextbenchForSequenceClassification(hf_config)
    return BuiltModel(model, tokenizer, "scratch", False, notes)


def _with_train(tcfg: Any, kind: str) -> Any:
    import dataclasses

    return dataclasses.replace(tcfg, train=kind)


def build_model(cfg: RunConfig, prepared: PreparedData, workdir: Path) -> BuiltModel:
    """The model and tokenizer for ``cfg`` with labels from ``prepared``."""
    if cfg.model.kind == "scratch":
        return build_scratch(cfg, prepared, workdir)
    return build_pretrained(cfg, prepared)
