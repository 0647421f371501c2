"""The CLI in a subprocess, and a tiny run config on the tiny CSV + tiny BERT fixtures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml


def tiny_run_config(path: Path, tiny_csv: Path, tiny_bert_dir: Path, *, epochs: float = 3,
                    learning_rate: float = 1e-3, method: dict | None = None, **train: object) -> Path:
    """Write a run config for the tiny CSV and tiny BERT (batch 8, length 32, no reference pass)."""
    cfg: dict = {
        "data": {"source": str(tiny_csv), "text_column": "review", "label_column": "sentiment"},
        "model": {"name_or_path": str(tiny_bert_dir)},
        "tokenizer": {"max_length": 32},
        "train": {"epochs": epochs, "batch_size": 8, "learning_rate": learning_rate, **train},
        "eval": {"reference_before_training": False},
    }
    if method:
        cfg["method"] = method
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


FAULTY = Path(__file__).resolve().parent / "faulty_textbench.py"


def textbench(args: list[str], fault: str | None = None) -> subprocess.CompletedProcess:
    """``python -m textbench ARGS``; with ``fault``, the CLI in a process patched by helpers/faults.py."""
    cmd = [sys.executable, str(FAULTY), fault] if fault else [sys.executable, "-m", "textbench"]
    return subprocess.run([*cmd, *args], capture_output=True, text=True, timeout=300, env=dict(os.environ))
