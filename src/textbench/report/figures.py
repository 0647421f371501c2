"""Report figures (matplotlib Agg, no pyplot state). Each function writes one PNG.

PNGs are written without a 'Software' stamp so the same runs give the same bytes.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from textbench.report.collect import ArmData
from textbench.report.pareto import pareto_front

SPLITS = ("train", "validation", "test")
METRIC_TITLES = {"macro_f1": "macro-F1", "accuracy": "accuracy"}


def _figure(width: float, height: float, nrows: int = 1, ncols: int = 1):  # type: ignore[no-untyped-def]
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    axes = fig.subplots(nrows, ncols, squeeze=False)
    return fig, axes


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    return path


def colors_for(names: Sequence[str]) -> dict[str, Any]:
    """A fixed colour per name, in order (tab10, or tab20 beyond ten names)."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if len(names) <= 10 else "tab20"]
    return {n: cmap(i % cmap.N) for i, n in enumerate(names)}


# ---- data -----------------------------------------------------------------------------------

def data_lengths(char_lengths: dict[str, list[int]], path: Path) -> Path:
    fig, axes = _figure(12, 3.3, 1, 3)
    top = max((max(v) for v in char_lengths.values() if v), default=1)
    bins = np.linspace(0, top, 41)
    for ax, split in zip(axes[0], SPLITS):
        values = char_lengths.get(split) or []
        ax.hist(values, bins=bins, color="tab:blue")
        ax.set_title(f"{split} (n={len(values)})")
        ax.set_xlabel("characters")
    axes[0][0].set_ylabel("texts")
    fig.suptitle("Text length per split")
    fig.tight_layout()
    return _save(fig, path)


def class_balance(classes: dict[str, dict[str, dict[str, float]]], label_names: list[str], path: Path) -> Path:
    x = np.arange(len(label_names))
    width = 0.8 / len(SPLITS)
    fig, axes = _figure(max(5.0, 1.1 * len(label_names) + 2), 3.3)
    ax = axes[0][0]
    for k, split in enumerate(SPLITS):
        shares = [classes.get(split, {}).get(n, {}).get("percent", 0.0) for n in label_names]
        ax.bar(x + (k - 1) * width, shares, width, label=split)
    ax.set_xticks(x, label_names, rotation=30 if len(label_names) > 6 else 0)
    ax.set_ylabel("% of split")
    ax.set_title("Class distribution")
    ax.legend()
    fig.tight_layout()
    return _save(fig, path)


# ---- training curves ------------------------------------------------------------------------

FEW_EPOCHS = 3  # up to this many epochs, the train-loss panel shows every logged step, not epoch means


def run_curves(history: list[dict[str, Any]], metric: str) -> dict[str, list[float]]:
    """Per-epoch curves; for a run of a few epochs the train loss is per logged step (x in epochs),
    so a one-epoch run draws a curve rather than a dot."""
    from textbench.evaluation.plots import epoch_curves

    curves = epoch_curves(history, metric)
    if curves["train_epoch"] and max(curves["train_epoch"]) <= FEW_EPOCHS:
        logged = [(float(r["epoch"]), float(r["loss"])) for r in history
                  if "loss" in r and "eval_loss" not in r and r.get("epoch") is not None]
        if len(logged) > len(curves["train_epoch"]):
            curves["train_epoch"], curves["train_loss"] = [e for e, _ in logged], [v for _, v in logged]
    return curves


def _mean_by_x(series: list[tuple[list[float], list[float]]]) -> tuple[list[float], list[float]]:
    acc: dict[float, list[float]] = defaultdict(list)
    for xs, ys in series:
        for x, y in zip(xs, ys):
            if y is not None and np.isfinite(y):
                acc[round(float(x), 4)].append(float(y))
    xs = sorted(acc)
    return xs, [float(np.mean(acc[x])) for x in xs]


def curve_arms(arms: Sequence[ArmData]) -> list[ArmData]:
    """Arms with per-epoch training records (not baselines or reference rows)."""
    return [a for a in arms if a.kind in ("scratch", "pretrained") and a.runs and any(r.history for r in a.runs)]


def _curve_panels(fig_axes: Any, metric: str) -> list[Any]:
    axes = list(fig_axes[0])
    for ax, title in zip(axes, ("train loss", "validation loss", f"validation {METRIC_TITLES.get(metric, metric)}")):
        ax.set_title(title)
        ax.set_xlabel("epoch")
        ax.grid(alpha=0.3)
    return axes


def learning_curves_all(arms: Sequence[ArmData], colors: dict[str, Any], metric: str, path: Path) -> Path | None:
    arms = curve_arms(arms)
    if not arms:
        return None
    fig, axes = _figure(14, 4.0, 1, 3)
    a_train, a_val, a_metric = _curve_panels(axes, metric)
    for arm in arms:
        curves = [run_curves(r.history, metric) for r in arm.runs]
        c = colors[arm.name]
        for ax, xkey, ykey in ((a_train, "train_epoch", "train_loss"), (a_val, "epoch", "eval_loss"),
                               (a_metric, "epoch", f"eval_{metric}")):
            xs, ys = _mean_by_x([(cv[xkey], cv[ykey]) for cv in curves])
            if xs:
                ax.plot(xs, ys, "o-" if len(xs) <= 20 else "-", color=c, ms=3, lw=1.5, label=arm.name)
    n_seeds = max(len(a.runs) for a in arms)
    a_metric.legend(fontsize=7, loc="best")
    fig.suptitle("Learning curves, every arm" + (f" (mean over {n_seeds} seeds)" if n_seeds > 1 else ""))
    fig.tight_layout()
    return _save(fig, path)


def learning_curves_arm(arm: ArmData, color: Any, metric: str, path: Path) -> Path | None:
    if not arm.runs or not any(r.history for r in arm.runs):
        return None
    fig, axes = _figure(14, 3.6, 1, 3)
    a_train, a_val, a_metric = _curve_panels(axes, metric)
    styles = ["o-", "s--", "^:", "d-.", "v-"]
    for i, run in enumerate(arm.runs):
        cv = run_curves(run.history, metric)
        st = styles[i % len(styles)]
        a_train.plot(cv["train_epoch"], cv["train_loss"], st, color=color, ms=3, label=run.replicate)
        a_val.plot(cv["epoch"], cv["eval_loss"], st, color=color, ms=3, label=run.replicate)
        a_metric.plot(cv["epoch"], cv[f"eval_{metric}"], st, color=color, ms=3, label=run.replicate)
    a_metric.legend(fontsize=7)
    fig.suptitle(f"{arm.name}: {arm.label}")
    fig.tight_layout()
    return _save(fig, path)


def overfitting_gap(arms: Sequence[ArmData], colors: dict[str, Any], path: Path) -> Path | None:
    """Validation loss minus train loss per epoch (positive and growing = overfitting)."""
    arms = curve_arms(arms)
    if not arms:
        return None
    fig, axes = _figure(12, 3.8, 1, 2)
    ax_line, ax_bar = axes[0]
    finals = []
    for arm in arms:
        series = []
        for r in arm.runs:
            from textbench.evaluation.plots import epoch_curves

            cv = epoch_curves(r.history, "macro_f1")  # per-epoch means: the gap compares epochs
            train = dict(zip(cv["train_epoch"], cv["train_loss"]))
            xs, ys = [], []
            for ep, vl in zip(cv["epoch"], cv["eval_loss"]):
                tl = train.get(max(int(np.ceil(ep - 1e-9)), 1))
                if tl is not None:
                    xs.append(ep)
                    ys.append(vl - tl)
            series.append((xs, ys))
        xs, ys = _mean_by_x(series)
        if xs:
            ax_line.plot(xs, ys, "o-", color=colors[arm.name], ms=3, label=arm.name)
            finals.append((arm.name, ys[-1]))
    ax_line.axhline(0, color="grey", lw=0.8)
    ax_line.set_xlabel("epoch")
    ax_line.set_ylabel("validation loss - train loss")
    ax_line.set_title("Train-validation gap per epoch")
    ax_line.grid(alpha=0.3)
    ax_line.legend(fontsize=7)
    if finals:
        names = [n for n, _ in finals]
        ax_bar.barh(range(len(finals)), [g for _, g in finals], color=[colors[n] for n in names])
        ax_bar.set_yticks(range(len(finals)), names, fontsize=8)
        ax_bar.invert_yaxis()
        ax_bar.axvline(0, color="grey", lw=0.8)
    ax_bar.set_title("Gap at the last epoch")
    ax_bar.set_xlabel("validation loss - train loss")
    fig.tight_layout()
    return _save(fig, path)


# ---- test-set results -----------------------------------------------------------------------

def confusion_grid(arms: Sequence[ArmData], label_names: list[str], path: Path) -> Path | None:
    """Confusion matrices per arm; None where no arm has them (multi-label runs have per-label F1 instead)."""
    arms = [a for a in arms if a.runs and all(r.metrics and r.metrics.get("confusion_matrix") for r in a.runs)]
    if not arms:
        return None
    ncols = min(4, len(arms))
    nrows = int(np.ceil(len(arms) / ncols))
    n = len(label_names)
    cell = max(2.6, 0.35 * n + 1.6)
    fig, axes = _figure(cell * ncols + 0.5, cell * nrows + 0.4, nrows, ncols)
    for i, ax in enumerate(axes.ravel()):
        if i >= len(arms):
            ax.axis("off")
            continue
        arm = arms[i]
        m = np.sum([np.asarray(r.metrics["confusion_matrix"], dtype=float) for r in arm.runs], axis=0)
        rows = m.sum(axis=1, keepdims=True)
        norm = np.divide(m, rows, out=np.zeros_like(m), where=rows > 0)
        ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
        ax.set_xticks(range(n), label_names, rotation=45, ha="right", fontsize=7)
        ax.set_yticks(range(n), label_names, fontsize=7)
        seeds = f", {len(arm.runs)} seeds summed" if len(arm.runs) > 1 else ""
        ax.set_title(f"{arm.name}{seeds}", fontsize=9)
        if n <= 10:
            for r_ in range(n):
                for c_ in range(n):
                    ax.text(c_, r_, f"{int(m[r_, c_])}", ha="center", va="center", fontsize=7,
                            color="white" if norm[r_, c_] > 0.5 else "black")
    fig.suptitle("Confusion matrices on test (rows: true class; colour: share of the true class)")
    fig.tight_layout()
    return _save(fig, path)


def per_class_f1(arms: Sequence[ArmData], label_names: list[str], colors: dict[str, Any], path: Path) -> Path | None:
    arms = [a for a in arms if a.runs and all(r.metrics.get("per_class") for r in a.runs)]
    if not arms:
        return None
    x = np.arange(len(label_names))
    width = 0.85 / len(arms)
    fig, axes = _figure(max(7.0, 0.5 * len(label_names) * len(arms) / 2 + 4), 3.8)
    ax = axes[0][0]
    for k, arm in enumerate(arms):
        f1 = [np.mean([r.metrics["per_class"].get(c, {}).get("f1", 0.0) for r in arm.runs]) for c in label_names]
        ax.bar(x - 0.425 + (k + 0.5) * width, f1, width, color=colors[arm.name], label=arm.name)
    ax.set_xticks(x, label_names, rotation=30 if len(label_names) > 6 else 0)
    ax.set_ylabel("F1 (test)")
    ax.set_ylim(0, 1)
    ax.set_title("Per-class F1 on test" + (" (mean over seeds)" if max(len(a.runs) for a in arms) > 1 else ""))
    ax.legend(fontsize=7, ncol=max(1, len(arms) // 6), loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    return _save(fig, path)


COST_AXES = (
    ("train_seconds", "train time (s)"),
    ("trainable_parameters", "trainable parameters"),
    ("ms_per_text", "inference latency (ms / text)"),
)


def quality_vs_cost(points: list[dict[str, Any]], colors: dict[str, Any], metric: str, path: Path) -> Path | None:
    """``points``: dicts with name, quality and the COST_AXES keys (means over seeds)."""
    if not points:
        return None
    fig, axes = _figure(15, 4.4, 1, len(COST_AXES))
    for ax, (key, title) in zip(axes[0], COST_AXES):
        pts = [p for p in points if p.get(key) is not None]
        if not pts:
            ax.set_visible(False)
            continue
        positive = [p[key] for p in pts if p[key] > 0]
        floor = min(positive) / 3 if positive else 1.0
        xs = [max(p[key], floor) for p in pts]
        for p, x in zip(pts, xs):
            ax.scatter([x], [p["quality"]], color=colors[p["name"]], s=40, zorder=3)
            ax.annotate(p["name"], (x, p["quality"]), fontsize=7, xytext=(4, 3), textcoords="offset points")
        front = pareto_front([(x, p["quality"]) for p, x in zip(pts, xs)])
        if front:
            fx = [xs[i] for i in front]
            fy = [pts[i]["quality"] for i in front]
            ax.step(fx, fy, where="post", color="black", lw=1, ls="--", alpha=0.7, label="Pareto front")
            ax.legend(fontsize=7, loc="best")
        ax.set_xscale("log")
        ax.set_xlabel(title + (" (0 drawn at the left edge)" if any(p[key] <= 0 for p in pts) else ""))
        ax.set_ylabel(f"test {METRIC_TITLES.get(metric, metric)}")
        ax.grid(alpha=0.3, which="both")
    fig.suptitle("Quality against cost (upper left is better; dashed: Pareto front)")
    fig.tight_layout()
    return _save(fig, path)


def data_efficiency(groups: dict[str, list[tuple[float, float, float]]], colors: dict[str, Any], metric: str,
                    path: Path) -> Path | None:
    """``groups``: group name -> [(training rows, mean, std)], one line each."""
    if not groups:
        return None
    fig, axes = _figure(7, 4.2)
    ax = axes[0][0]
    for name, pts in groups.items():
        pts = sorted(pts)
        ax.errorbar([p[0] for p in pts], [p[1] for p in pts], yerr=[p[2] for p in pts], fmt="o-", capsize=3,
                    color=colors.get(name), label=name)
    ax.set_xscale("log")
    ax.set_xlabel("training examples")
    ax.set_ylabel(f"test {METRIC_TITLES.get(metric, metric)}")
    ax.set_title("Data efficiency")
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)
