"""Find the last complete checkpoint; a checkpoint cut short by a kill is ignored."""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from pathlib import Path

_CKPT = re.compile(r"^checkpoint-(\d+)$")
WEIGHT_FILES = ("model.safetensors", "adapter_model.safetensors", "model.safetensors.index.json")


def is_complete(ckpt: Path) -> bool:
    """Trainer writes trainer_state.json last: a checkpoint is complete when it parses, its weights
    file is whole (a safetensors header whose tensors all fit in the file) and its optimizer and
    scheduler states are whole archives."""
    state = ckpt / "trainer_state.json"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    weights = [ckpt / f for f in WEIGHT_FILES if (ckpt / f).is_file()]
    if not weights or not all(_whole_safetensors(w) for w in weights if w.suffix == ".safetensors"):
        return False
    return all(zipfile.is_zipfile(ckpt / f) for f in ("optimizer.pt", "scheduler.pt"))


def _whole_safetensors(path: Path) -> bool:
    """The header parses and the file holds every tensor it lists (a cut or damaged file does not)."""
    try:
        with open(path, "rb") as f:
            n = int.from_bytes(f.read(8), "little")
            if n <= 0 or n > 100_000_000:
                return False
            header = json.loads(f.read(n))
        end = max((t["data_offsets"][1] for k, t in header.items() if k != "__metadata__"), default=0)
        return path.stat().st_size >= 8 + n + end
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        return False


def last_complete_checkpoint(ckpt_dir: Path, *, remove_incomplete: bool = True) -> str | None:
    """Newest complete ``checkpoint-N`` in ``ckpt_dir``; newer incomplete ones are removed."""
    if not ckpt_dir.is_dir():
        return None
    found = sorted(
        ((int(m.group(1)), p) for p in ckpt_dir.iterdir() if p.is_dir() and (m := _CKPT.match(p.name))),
        reverse=True,
    )
    for _, path in found:
        if is_complete(path):
            return str(path)
        if remove_incomplete:
            shutil.rmtree(path, ignore_errors=True)
    return None
