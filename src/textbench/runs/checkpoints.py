"""Find the last complete checkpoint; a checkpoint cut short by a kill is ignored."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

_CKPT = re.compile(r"^checkpoint-(\d+)$")
WEIGHT_FILES = ("model.safetensors", "adapter_model.safetensors", "model.safetensors.index.json")


def is_complete(ckpt: Path) -> bool:
    """Trainer writes trainer_state.json last: a checkpoint is complete when it parses and weights exist."""
    state = ckpt / "trainer_state.json"
    try:
        json.loads(state.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    has_weights = any((ckpt / f).is_file() for f in WEIGHT_FILES)
    return has_weights and (ckpt / "optimizer.pt").is_file() and (ckpt / "scheduler.pt").is_file()


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
