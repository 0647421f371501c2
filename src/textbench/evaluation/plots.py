"""Per-run plots: confusion matrix, per-label F1 and learning curves (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def _save(fig: Any, path: Path) -> Path:
    """Lay out, write (creating the folder) and close the figure."""
    path = Path(path)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plot_confusion_matrix(
    matrix: Sequence[Sequence[int]], label_names: list[str], path: Path, title: str = "Confusion matrix (test)"
) -> Path:
    """Counts with row-normalised colours (recall per true class)."""
    m = np.asarray(matrix, dtype=float)
    rows = m.sum(axis=1, keepdims=True)
    norm = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
    n = len(label_names)
    size = max(3.5, 0.6 * n + 2.0)
    fig, ax = plt.subplots(figsize=(size + 0.8, size))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xticks(range(n), label_names, rotation=45, ha="right")
    ax.set_yticks(range(n), label_names)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title)
    for i in range(n):
        for j in range(n):
            ax.text(j, i, f"{int(m[i, j])}", ha="center", va="center",
                    color="white" if norm[i, j] > 0.5 else "black", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="share of true class")
    return _save(fig, path)


def plot_per_label_f1(report: dict[str, Any], path: Path, title: str = "F1 per label (test)") -> Path:
    """Horizontal bars of each label's F1 from a multi-label full report, most frequent label on top;
    each tick names the label's threshold, e.g. ``sport (t=0.35)``."""
    rows = sorted(report["per_class"].items(), key=lambda kv: -kv[1]["support"])  # stable: ties keep order
    names = [f"{name} (t={c.get('threshold', 0.5):.2f})" for name, c in rows]
    f1 = [c["f1"] for _, c in rows]
    fig, ax = plt.subplots(figsize=(7, max(2.5, 0.35 * len(rows) + 1.2)))
    ax.barh(range(len(rows)), f1, color="tab:blue")
    ax.set_yticks(range(len(rows)), names)
    ax.invert_yaxis()
    for i, (_, c) in enumerate(rows):
        ax.text(min(c["f1"], 1.0) + 0.01, i, f"{c['f1']:.2f} (n={c['support']})", va="center", fontsize=8)
    ax.set_xlim(0, 1.2)  # room for the value labels
    ax.set_xticks(np.linspace(0, 1, 6))
    ax.set_xlabel("F1")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def epoch_curves(log_history: list[dict[str, Any]], metric: str = "macro_f1") -> dict[str, list[float]]:
    """Per-epoch train loss (mean of logged steps), validation loss and metric from a Trainer log."""
    train: dict[int, list[float]] = {}
    ev: dict[float, dict[str, float]] = {}
    for rec in log_history:
        ep = rec.get("epoch")
        if ep is None:
            continue
        if "loss" in rec and "eval_loss" not in rec:
            bucket = max(int(np.ceil(ep - 1e-9)), 1)
            train.setdefault(bucket, []).append(float(rec["loss"]))
        if "eval_loss" in rec:
            ev[float(ep)] = rec
    epochs = sorted(ev)
    return {
        "epoch": epochs,
        "eval_loss": [float(ev[e]["eval_loss"]) for e in epochs],
        f"eval_{metric}": [float(ev[e].get(f"eval_{metric}", np.nan)) for e in epochs],
        "train_epoch": sorted(train),
        "train_loss": [float(np.mean(train[k])) for k in sorted(train)],
    }


def plot_learning_curves(
    log_history: list[dict[str, Any]], path: Path, metric: str = "macro_f1", title: str = "Learning curves"
) -> Path:
    """Train/validation loss and validation metric per epoch."""
    c = epoch_curves(log_history, metric)
    steps = [(r["epoch"], r["loss"]) for r in log_history if "loss" in r and "eval_loss" not in r]
    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 3.8))
    if steps:
        a1.plot([s[0] for s in steps], [s[1] for s in steps], color="tab:blue", alpha=0.3, lw=1, label="train (per log)")
    if c["train_loss"]:
        a1.plot(c["train_epoch"], c["train_loss"], "o-", color="tab:blue", label="train (epoch mean)")
    if c["eval_loss"]:
        a1.plot(c["epoch"], c["eval_loss"], "s-", color="tab:orange", label="validation")
    a1.set_xlabel("epoch")
    a1.set_ylabel("loss")
    a1.legend()
    a1.grid(alpha=0.3)
    if c[f"eval_{metric}"]:
        a2.plot(c["epoch"], c[f"eval_{metric}"], "s-", color="tab:green", label=f"validation {metric}")
    a2.set_xlabel("epoch")
    a2.set_ylabel(metric)
    a2.legend()
    a2.grid(alpha=0.3)
    fig.suptitle(title)
    return _save(fig, path)
