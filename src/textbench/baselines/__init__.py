"""Classic baselines (majority class, TF-IDF + logistic regression) that write ordinary run folders."""

from textbench.baselines.config import BaselineConfig, BaselineRunConfig, load_baseline_config
from textbench.baselines.models import BASELINES, make_baseline
from textbench.baselines.runner import BaselineResult, run_baseline

__all__ = [
    "BASELINES",
    "BaselineConfig",
    "BaselineResult",
    "BaselineRunConfig",
    "load_baseline_config",
    "make_baseline",
    "run_baseline",
]
