"""Data: load labelled texts from files, folders, the hub or builtins; clean, split, describe."""

from textbench.utils.lazy import lazy_exports
from textbench.data.config import DataConfig

_EXPORTS = {
    "list_builtin": "textbench.data.builtin",
    "plot_class_balance": "textbench.data.plots",
    "plot_lengths": "textbench.data.plots",
    "prepare_data": "textbench.data.pipeline",
    "PreparedData": "textbench.data.prepared",
    "compute_stats": "textbench.data.stats",
    "format_stats": "textbench.data.stats",
}
__all__ = ["DataConfig", "PreparedData", "compute_stats", "format_stats", "list_builtin", "plot_class_balance",
           "plot_lengths", "prepare_data"]

__getattr__ = lazy_exports(__name__, _EXPORTS)  # the rest import on first use
