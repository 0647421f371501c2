"""The newest checkpoint, when damaged, is passed over for the previous complete one."""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors.torch import save_file

from textbench.runs.checkpoints import is_complete, last_complete_checkpoint


def _checkpoint(folder: Path) -> Path:
    folder.mkdir(parents=True)
    save_file({"w": torch.zeros(64, 64)}, str(folder / "model.safetensors"))
    torch.save({"state": {}}, folder / "optimizer.pt")
    torch.save({"last_epoch": 1}, folder / "scheduler.pt")
    (folder / "trainer_state.json").write_text(json.dumps({"global_step": 1}))
    return folder


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_complete_one(tmp_path):
    older, newer = _checkpoint(tmp_path / "checkpoint-2"), _checkpoint(tmp_path / "checkpoint-4")
    assert is_complete(newer)
    weights = newer / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:5000])  # cut short, its trainer state intact
    assert not is_complete(newer)
    assert last_complete_checkpoint(tmp_path) == str(older) and not newer.exists()
    optimizer = older / "optimizer.pt"
    optimizer.write_bytes(optimizer.read_bytes()[:-30])  # a damaged archive
    assert last_complete_checkpoint(tmp_path, remove_incomplete=False) is None
