"""Classic baselines (majority class, TF-IDF + logistic regression); `runs/baseline.py` runs them."""

from textbench.baselines.config import BaselineConfig, BaselineRunConfig, load_baseline_config
from textbench.baselines.models import BASELINES, make_baseline

__all__ = ["BASELINES", "BaselineConfig", "BaselineRunConfig", "load_baseline_config", "make_baseline"]
