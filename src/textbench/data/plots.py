"""PNG charts of a PreparedData: length histograms and class balance (matplotlib Agg)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from textbench.data.prepared import SPLITS, PreparedData


def _figure(width: float, height: float, ncols: int = 1):  # type: ignore[no-untyped-def]
    """A Figure drawn by the Agg canvas; no pyplot, so no global backend state."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    return fig, fig.subplots(1, ncols, squeeze=False)[0]


def plot_lengths(prepared: PreparedData, path: Path) -> Path:
    """Histogram of text lengths (characters), one panel per split; returns the PNG path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, axes = _figure(12, 3.5, len(SPLITS))
    lengths = {s: [len(t) for t in prepared.splits[s]["text"]] for s in SPLITS}
    top = max((max(v) for v in lengths.values() if v), default=1)
    bins = np.linspace(0, top, 41)
    for ax, split in zip(axes, SPLITS):
        ax.hist(lengths[split], bins=bins, color="tab:blue")
        ax.set_title(f"{split} (n={len(lengths[split])})")
        ax.set_xlabel("characters")
    axes[0].set_ylabel("texts")
    fig.suptitle(f"Text length: {prepared.source}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path


def plot_class_balance(prepared: PreparedData, path: Path) -> Path:
    """Grouped bar chart of class shares (%) per split; returns the PNG path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    names = prepared.label_names
    x = np.arange(len(names))
    width = 0.8 / len(SPLITS)
    fig, (ax,) = _figure(max(5, 1.2 * len(names) + 2), 3.5)
    for k, split in enumerate(SPLITS):
        counts = prepared.class_counts(split)  # multi-label: rows having each label, shares of the rows
        total = (len(prepared.splits[split]) if prepared.multi_label else sum(counts.values())) or 1
        ax.bar(x + (k - 1) * width, [100 * counts[n] / total for n in names], width, label=split)
    ax.set_xticks(x, names, rotation=30 if len(names) > 6 else 0)
    ax.set_ylabel("% of rows with the label" if prepared.multi_label else "% of split")
    ax.set_title(f"Class balance: {prepared.source}")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return path
