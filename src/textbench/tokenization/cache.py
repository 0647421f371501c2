"""Reuse a trained tokenizer for identical texts and settings.

WordPiece training in `tokenizers` breaks merge ties in hash-map order, so two trainings on
the same texts can give different vocabularies. Caching the first result by a hash of the
texts and the settings makes runs with the same config and seed identical on one machine
(and saves the training time). The cache lives in ``$TEXTBENCH_CACHE/tokenizers`` (default
``~/.cache/textbench/tokenizers``, or ``$TEXTBENCH_TOKENIZER_CACHE_DIR``); set
``TEXTBENCH_TOKENIZER_CACHE=0`` to turn it off.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable

from transformers import AutoTokenizer, PreTrainedTokenizerFast

from textbench.tokenization.config import CUTTING_KEYS, TokenizerConfig
from textbench.tokenization.train import train_tokenizer


def cache_root() -> Path:
    if os.environ.get("TEXTBENCH_TOKENIZER_CACHE_DIR"):
        return Path(os.environ["TEXTBENCH_TOKENIZER_CACHE_DIR"]).expanduser()
    root = os.environ.get("TEXTBENCH_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "textbench") / "tokenizers"


def cache_key(texts: list[str], cfg: TokenizerConfig, base_dir: Path | None) -> str:
    settings = {k: v for k, v in dataclasses.asdict(cfg).items() if k not in CUTTING_KEYS}
    h = hashlib.sha256(json.dumps(settings, sort_keys=True).encode())
    for name in cfg.extra_files:  # the files' contents, not only their names
        p = Path(name).expanduser()
        p = p if p.is_absolute() else (base_dir or Path.cwd()) / p
        h.update(p.read_bytes() if p.is_file() else name.encode())
    for t in texts:
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\0")
    return h.hexdigest()[:32]


def train_tokenizer_cached(
    texts: Iterable[str], cfg: TokenizerConfig, out_dir: Path, *, base_dir: Path | None = None
) -> PreTrainedTokenizerFast:
    """``train_tokenizer`` through the cache; the result is also saved to ``out_dir``."""
    texts = list(texts)
    if os.environ.get("TEXTBENCH_TOKENIZER_CACHE", "1") == "0":
        return train_tokenizer(texts, cfg, out_dir, base_dir=base_dir)
    entry = cache_root() / cache_key(texts, cfg, base_dir)
    if not (entry / "tokenizer.json").is_file():
        tok = train_tokenizer(texts, cfg, out_dir, base_dir=base_dir)
        tmp: Path | None = None
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=entry.parent))
            tok.save_pretrained(tmp)
            os.replace(tmp, entry)  # atomic; if another process got there first, keep its copy
        except OSError:  # read-only or full cache folder: the run goes on without the cache
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)
        return tok
    tok = AutoTokenizer.from_pretrained(entry)
    tok.model_max_length = cfg.max_length
    tok.save_pretrained(out_dir)
    return tok
