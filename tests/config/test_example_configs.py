"""Every shipped YAML config loads against the code that consumes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from textbench.config import load_run_config

CONFIGS = Path(__file__).resolve().parents[2] / "configs"
RUN_CONFIGS = sorted(p for p in CONFIGS.glob("*.yaml"))


def test_there_are_example_configs():
    assert len(RUN_CONFIGS) >= 2


@pytest.mark.parametrize("path", RUN_CONFIGS, ids=lambda p: p.name)
def test_run_config_loads(path):
    cfg = load_run_config(path)
    assert cfg.output.name == path.stem
    if cfg.model.kind == "scratch" and cfg.model.architecture:
        from textbench.models import TextbenchConfig

        known = set(TextbenchConfig().to_dict())
        assert set(cfg.model.architecture) <= known
        TextbenchConfig(**cfg.model.architecture)  # validates the architecture


PRETRAIN_CONFIGS = sorted((CONFIGS / "pretrain").glob("*.yaml"))


@pytest.mark.parametrize("path", PRETRAIN_CONFIGS, ids=lambda p: p.name)
def test_pretrain_config_loads(path):
    from textbench.models import TextbenchConfig
    from textbench.pretraining import load_pretrain_config

    cfg = load_pretrain_config(path)
    TextbenchConfig(**cfg.model.architecture)
