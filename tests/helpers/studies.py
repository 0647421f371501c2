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


def two_drivers(cmd: list[str], env: dict[str, str], timeout: float = 600) -> list[str]:
    """Run ``cmd`` twice at once (the second a second later), like two users on one study; their
    outputs, after checking that both succeeded."""
    import subprocess
    import time

    drivers = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)]
    time.sleep(1.0)
    drivers.append(subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outs = [d.communicate(timeout=timeout) for d in drivers]
    for d, (_, err) in zip(drivers, outs):
        assert d.returncode == 0, err[-3000:]
    return [out for out, _ in outs]


def runs_trained(out: str) -> int:
    """N from a study's last line, "study NAME: N runs trained, ..."."""
    return int(out.split(" runs trained")[0].rsplit(" ", 1)[-1])
