"""Tokenizers trained once per study and shared by every run that asks for the same one.

Training a WordPiece/BPE tokenizer is not bit-for-bit reproducible (ties in the
vocabulary are ordered differently from one process to the next), so a study trains
each distinct tokenizer (same settings, same training split) once, into
``<study>/tokenizers/<key>/``, and every from-scratch run and pretraining run that asks
for it loads that folder instead of training its own. A folder that exists is never
retrained, so resumed and redone runs get the same tokenizer as the others.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from textbench.config.mappings import deep_merge
from textbench.tokenization.config import CUTTING_KEYS

TOKENIZERS_DIR = "tokenizers"


def tokenizer_key(settings: dict[str, Any]) -> str | None:
    """A folder name for the tokenizer a from-scratch arm trains; None when it trains none."""
    model, tok = settings.get("model") or {}, settings.get("tokenizer") or {}
    if model.get("kind") != "scratch" or tok.get("name_or_path") or model.get("from_pretraining_run"):
        return None
    spec = {k: v for k, v in tok.items() if k not in ("max_length", "name_or_path", *CUTTING_KEYS)}
    spec["train"] = spec.get("train") or "wordpiece"
    blob = json.dumps({"tokenizer": spec, "data": settings.get("data")}, sort_keys=True, default=str)
    return f"{spec['train']}-{spec.get('vocab_size')}-{hashlib.sha256(blob.encode()).hexdigest()[:10]}"


def shared_tokenizer_dir(study_dir: Path, settings: dict[str, Any]) -> Path | None:
    key = tokenizer_key(settings)
    return (Path(study_dir) / TOKENIZERS_DIR / key).resolve() if key else None


def tokenizer_override(folder: Path) -> dict[str, Any]:
    """The settings that load the shared tokenizer ``folder`` instead of training one."""
    return {"tokenizer": {"train": None, "name_or_path": str(folder)}}


def with_shared_tokenizer(settings: dict[str, Any], folder: Path | None) -> dict[str, Any]:
    """Settings (a mapping: study.yaml, pretraining blocks) loading the shared tokenizer."""
    return settings if folder is None else deep_merge(settings, tokenizer_override(folder))


def use_shared_tokenizer(cfg: Any, folder: Path | None) -> Any:
    """A typed run config loading the shared tokenizer ``folder`` instead of training one."""
    if folder is None:
        return cfg
    return dataclasses.replace(cfg, tokenizer=dataclasses.replace(cfg.tokenizer, train=None, name_or_path=str(folder)))


def train_shared_tokenizers(study: Any) -> list[Path]:
    """Train every distinct tokenizer the study's arms need (skipping existing folders)."""
    from textbench.config.loader import from_dict
    from textbench.data import prepare_data
    from textbench.data.config import DataConfig
    from textbench.data.store import data_key, load_prepared
    from textbench.study.plan import DATA_STORE
    from textbench.tokenization import TokenizerConfig
    from textbench.tokenization.cache import train_tokenizer_cached

    made: list[Path] = []
    for arm in study.arms:
        if arm.kind != "scratch":
            continue
        folder = shared_tokenizer_dir(study.dir, arm.settings)
        if folder is None or (folder / "tokenizer_config.json").is_file():
            continue
        tok = dict(arm.settings["tokenizer"])
        tok["train"] = tok.get("train") or "wordpiece"
        tcfg = from_dict(TokenizerConfig, tok, "tokenizer")
        data = from_dict(DataConfig, arm.settings["data"], "data")
        prepared = load_prepared(study.dir / DATA_STORE, data_key(data)) or prepare_data(data)
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
        try:
            # through the user's tokenizer cache: tokenizer training is not reproducible from one
            # process to the next, so a second study on the same data gets the same vocabulary
            train_tokenizer_cached(prepared.splits["train"]["text"], tcfg, tmp)
            tmp.rename(folder)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        made.append(folder)
    return made
