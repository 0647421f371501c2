"""Typed run configuration loaded strictly from YAML."""

from textbench.config.loader import apply_overrides, from_dict, load_yaml, to_dict
from textbench.config.schema import (
    EvalConfig,
    MethodConfig,
    ModelConfig,
    OutputConfig,
    RunConfig,
    TrainConfig,
    load_run_config,
)

__all__ = [
    "EvalConfig",
    "MethodConfig",
    "ModelConfig",
    "OutputConfig",
    "RunConfig",
    "TrainConfig",
    "apply_overrides",
    "from_dict",
    "load_run_config",
    "load_yaml",
    "to_dict",
]
