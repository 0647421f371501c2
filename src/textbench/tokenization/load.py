"""Load a pretrained tokenizer (local path or hub id) and make sure it can pad."""

from __future__ import annotations

import logging
from pathlib import Path

from transformers import AutoTokenizer, PreTrainedTokenizerBase

from textbench.errors import ConfigError
from textbench.tokenization.config import TokenizerConfig

log = logging.getLogger(__name__)
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "vocab.json",
    "spiece.model",
    "tokenizer.model",
)


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or Path(name).expanduser().exists() or name.count("/") > 1


def load_tokenizer_with_notes(
    cfg: TokenizerConfig, model_name_or_path: str | None
) -> tuple[PreTrainedTokenizerBase, list[str]]:
    """The tokenizer at `cfg.name_or_path` (else the model's), plus notes on changes made."""
    name = cfg.name_or_path or model_name_or_path
    if not name:
        raise ConfigError("no tokenizer to load: set tokenizer.name_or_path or tokenizer.train")
    if _looks_like_path(name):
        path = Path(name).expanduser()
        if not path.exists():
            raise ConfigError(f"tokenizer path not found: {path} (set tokenizer.name_or_path)")
        if path.is_dir() and not any((path / f).exists() for f in TOKENIZER_FILES):
            raise ConfigError(
                f"{path} is not a tokenizer folder (none of {', '.join(TOKENIZER_FILES)}); "
                "set tokenizer.name_or_path or tokenizer.train"
            )
        name = str(path)
    try:
        tok = AutoTokenizer.from_pretrained(name, trust_remote_code=False)
    except Exception as e:  # noqa: BLE001 - transformers raises many kinds for a bad name
        msg = " ".join(str(e).split())[:300]
        raise ConfigError(f"cannot load a tokenizer from {name!r} ({type(e).__name__}: {msg})") from None
    tok.model_max_length = cfg.max_length
    tok.padding_side = "right"  # classification: real tokens first (last-token pooling, prefixes, absolute positions)
    notes: list[str] = []
    if tok.pad_token is None:
        if tok.eos_token is not None:
            tok.pad_token = tok.eos_token
            notes.append(f"tokenizer {name} has no pad token; using eos {tok.eos_token!r} as pad")
        elif tok.unk_token is not None:
            tok.pad_token = tok.unk_token
            notes.append(f"tokenizer {name} has no pad or eos token; using unk {tok.unk_token!r} as pad")
        else:
            raise ConfigError(f"tokenizer {name} has no pad, eos or unk token to pad with; pick another tokenizer")
    for note in notes:
        log.warning(note)
    return tok, notes


def load_tokenizer(cfg: TokenizerConfig, model_name_or_path: str | None) -> PreTrainedTokenizerBase:
    """Load a pretrained tokenizer (trust_remote_code=False); a missing pad is set (logged)."""
    return load_tokenizer_with_notes(cfg, model_name_or_path)[0]
