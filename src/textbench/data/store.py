"""Prepared data on disk, keyed by content: a study prepares each data config once.

The key hashes the data settings and the bytes of every local file they name, so an
edited data file gets a new key and is prepared again. ``hf:`` sources hash their
settings only (their content is the hub's, pinned by ``hf_revision``); ``builtin:``
sources ship with textbench (its version is in the key).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from textbench.data.config import DataConfig
from textbench.data.prepared import PreparedData

META = "prepared.json"
FORMAT = 1


def _file_digest(path: Path, h: "hashlib._Hash") -> None:
    h.update(str(path.name).encode())
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)


def data_key(cfg: DataConfig, base_dir: Path | None = None) -> str:
    """A short content hash of ``cfg`` and the local files it reads."""
    from textbench import __version__

    h = hashlib.sha256(json.dumps({"format": FORMAT, "textbench": __version__, "data": dataclasses.asdict(cfg)},
                                  sort_keys=True, default=str).encode())
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    for value in (cfg.source, cfg.train_file, cfg.validation_file, cfg.test_file):
        if not value or value.startswith(("builtin:", "hf:")):
            continue
        path = Path(os.path.expanduser(value))
        path = path if path.is_absolute() else base / path
        if path.is_file():
            _file_digest(path, h)
        elif path.is_dir():
            for f in sorted(p for p in path.rglob("*") if p.is_file()):
                _file_digest(f, h)
    return h.hexdigest()[:16]


def save_prepared(prepared: PreparedData, folder: Path, key: str) -> Path:
    """Write ``prepared`` to ``folder/key`` (through a temporary folder; an existing one is kept)."""
    dest = Path(folder) / key
    if (dest / META).is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{key}.", dir=dest.parent))
    try:
        prepared.splits.save_to_disk(str(tmp / "splits"))
        meta = {"key": key, "label_names": prepared.label_names, "source": prepared.source,
                "created_splits": prepared.created_splits, "cleaning": prepared.cleaning,
                "leakage": prepared.leakage, "subsampled": prepared.subsampled, "notes": prepared.notes}
        (tmp / META).write_text(json.dumps(meta, indent=1), encoding="utf-8")
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (dest / META).is_file():
            raise
    return dest


def load_prepared(folder: Path, key: str) -> PreparedData | None:
    """The prepared data stored under ``folder/key``, or None when there is none (or it is unreadable)."""
    import datasets

    dest = Path(folder) / key
    try:
        meta = json.loads((dest / META).read_text(encoding="utf-8"))
        if meta.get("key") != key:
            return None
        # in memory: the runs' tokenisation must not write cache files into the shared folder
        splits = datasets.load_from_disk(str(dest / "splits"), keep_in_memory=True)
    except (OSError, ValueError, FileNotFoundError):
        return None
    return PreparedData(splits=splits, label_names=list(meta["label_names"]), source=meta["source"],
                        created_splits=list(meta["created_splits"]), cleaning=meta["cleaning"],
                        leakage=meta["leakage"], subsampled=meta["subsampled"], notes=list(meta["notes"]))
