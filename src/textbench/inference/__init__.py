"""Prediction from a model in memory or a saved run."""

from textbench.inference.loading import load_run_model
from textbench.inference.predictor import Predictor

__all__ = ["Predictor", "load_run_model"]
