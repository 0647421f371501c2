"""A tiny study file: the built-in data capped at 60 rows, a tiny BERT arm, baselines."""

from __future__ import annotations

from pathlib import Path

import yaml


def tiny_study(tmp_path: Path, model_dir: Path, seeds=(1, 2), arms=None, **extra) -> Path:
    data = {
        "name": "tiny",
        "data": {"source": "builtin:tweets-sentiment", "max_train_samples": 60, "max_eval_samples": 60},
        "seeds": list(seeds),
        "shared": {"tokenizer": {"max_length": 32},
                   "train": {"epochs": 1, "batch_size": 16, "logging_steps": 1, "threads": 1,
                             "learning_rate": 1e-3}},
        "arms": arms if arms is not None else [{"name": "bert", "set": {"model.name_or_path": str(model_dir)}}],
        **extra,
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path
