"""Data: load labelled texts from files, folders, the hub or builtins; clean, split, describe."""

from textbench.data.builtin import list_builtin
from textbench.data.config import DataConfig
from textbench.data.plots import plot_class_balance, plot_lengths
from textbench.data.prepare import prepare_data
from textbench.data.prepared import PreparedData
from textbench.data.stats import compute_stats, format_stats

__all__ = [
    "DataConfig",
    "PreparedData",
    "compute_stats",
    "format_stats",
    "list_builtin",
    "plot_class_balance",
    "plot_lengths",
    "prepare_data",
]
