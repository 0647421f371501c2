"""Data: load labelled texts from files, folders, the hub or builtins; clean, split, describe."""

from textbench.data.config import DataConfig

_EXPORTS = {
    "list_builtin": "textbench.data.builtin",
    "plot_class_balance": "textbench.data.plots",
    "plot_lengths": "textbench.data.plots",
    "prepare_data": "textbench.data.prepare",
    "PreparedData": "textbench.data.prepared",
    "compute_stats": "textbench.data.stats",
    "format_stats": "textbench.data.stats",
}
__all__ = ["DataConfig", "PreparedData", "compute_stats", "format_stats", "list_builtin", "plot_class_balance",
           "plot_lengths", "prepare_data"]


def __getattr__(name: str) -> object:  # imported on first use, so `textbench.data.config` stays light
    import importlib

    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
