"""Numbers behind the report: per-arm means and spreads, significance against the best arm,
Pareto fronts and data-efficiency series. No formatting here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from textbench.report.collect import QUALITY, QUALITY_MULTI_LABEL, ArmData, StudyData
from textbench.report.pareto import pareto_front
from textbench.report.significance import (
    BootstrapResult,
    CorrectedT,
    corrected_resampled_t,
    McNemarResult,
    holm,
    mcnemar,
    paired_bootstrap,
    verdict,
)

DATA_SWEEP_KEYS = ("data.train_fraction", "data.max_train_samples")


def mean_std(values: Sequence[float]) -> tuple[float, float] | None:
    if not values:
        return None
    arr = np.asarray(values, dtype=float)
    return float(arr.mean()), float(arr.std(ddof=1)) if len(arr) > 1 else 0.0


def _mean(values: Sequence[float]) -> float | None:
    return float(np.mean(values)) if values else None


@dataclass
class ArmSummary:
    arm: ArmData
    quality: dict[str, tuple[float, float] | None]
    params_total: float | None
    params_trainable: float | None
    train_seconds: float | None  # what the user waited for: the training loop plus a frozen-feature cache
    cache_seconds: float | None  # of which: building the frozen-feature cache (cached methods)
    pretrain_seconds: float | None  # of which: the MLM pretraining the runs started from
    seconds_per_epoch: float | None
    epochs: float | None
    peak_memory_mb: float | None
    memory_kind: str | None  # "GPU" | "RSS"
    inference_seconds: float | None
    texts_per_second: float | None
    ms_per_text: float | None
    best_epoch: float | None
    train_rows: float | None

    @property
    def name(self) -> str:
        return self.arm.name


def _train_and_cache_seconds(arm: ArmData) -> list[float]:
    """Per run: the training loop plus the frozen-feature cache it built first (a probe's train
    time alone would show seconds where the user waited a minute) and the MLM pretraining it
    started from."""
    out = []
    for r in arm.runs:
        train = r.cost.train_seconds
        if isinstance(train, (int, float)):
            cache = r.cost.extra.get("frozen_cache_seconds")
            cache = float(cache) if isinstance(cache, (int, float)) else 0.0
            out.append(float(train) + cache + (r.pretrain_seconds or 0.0))
    return out


def summarize_arm(arm: ArmData) -> ArmSummary:
    quality = {k: mean_std(arm.values(k)) for k in dict.fromkeys(QUALITY + QUALITY_MULTI_LABEL)}
    cuda = arm.cost_values("peak_cuda_mb")
    mem, kind = (cuda, "GPU") if cuda else (arm.cost_values("peak_rss_mb"), "RSS")
    rows = [float(r.train_rows) for r in arm.runs if r.train_rows is not None]
    is_model = arm.kind in ("scratch", "pretrained")
    return ArmSummary(
        arm=arm,
        quality=quality,
        params_total=_mean(arm.cost_values("parameters", "total")),
        params_trainable=_mean(arm.cost_values("parameters", "trainable")),
        train_seconds=_mean(_train_and_cache_seconds(arm)),
        cache_seconds=_mean(arm.cost_values("frozen_cache_seconds")),
        pretrain_seconds=_mean([r.pretrain_seconds for r in arm.runs if r.pretrain_seconds is not None]),
        seconds_per_epoch=_mean(arm.cost_values("seconds_per_epoch")) if is_model else None,
        epochs=_mean(arm.cost_values("epochs_completed")) if is_model else None,
        peak_memory_mb=_mean(mem),
        memory_kind=kind if mem else None,
        inference_seconds=_mean(arm.cost_values("inference_seconds")),
        texts_per_second=_mean(arm.cost_values("texts_per_second")),
        ms_per_text=_mean(arm.cost_values("ms_per_text")),
        best_epoch=_mean(arm.cost_values("best_epoch")) if is_model else None,
        train_rows=_mean(rows),
    )


@dataclass
class Comparison:
    arm: str
    best: str
    bootstrap: BootstrapResult
    p_adjusted: float
    mcnemar: dict[str, McNemarResult]  # per shared run ("seed 1", or "seed 1, fold 0")
    verdict: str
    folds: CorrectedT | None = None  # cross-validation: the corrected resampled t-test over folds


@dataclass
class Significance:
    best: str | None
    metric: str
    alpha: float
    samples: int
    comparisons: list[Comparison] = field(default_factory=list)
    excluded: dict[str, str] = field(default_factory=dict)  # arm -> why not tested


def _test_hash(arm: ArmData) -> set[str]:
    return {r.manifest.split_hashes.get("test", "") for r in arm.runs}


def _labels_and_preds(arm: ArmData) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    preds = {}
    labels = None
    for r in arm.runs:
        y, p = r.predictions  # type: ignore[misc]
        labels = y if labels is None else labels
        preds[r.replicate] = p
    return labels, preds  # type: ignore[return-value]


def compare(a: ArmData, b: ArmData, num_labels: int, metric: str, samples: int) -> tuple[BootstrapResult, dict[str, McNemarResult]]:
    """Arm ``a`` against arm ``b``: paired bootstrap (all runs) and McNemar per shared run."""
    ya, pa = _labels_and_preds(a)
    _, pb = _labels_and_preds(b)
    boot = paired_bootstrap(ya, list(pa.values()), list(pb.values()), num_labels, samples=samples, metric=metric)
    mc = {s: mcnemar(ya, pa[s], pb[s]) for s in pa if s in pb}
    return boot, mc


def compare_folds(a: ArmData, b: ArmData, metric: str, folds: int) -> CorrectedT | None:
    """Per fold, ``a``'s test score minus ``b``'s (each averaged over seeds); the corrected t-test on them."""
    def per_fold(arm: ArmData) -> dict[int, float]:
        scores: dict[int, list[float]] = {}
        for r in arm.runs:
            if r.fold is not None and r.metrics and r.metrics.get(metric) is not None:
                scores.setdefault(r.fold, []).append(float(r.metrics[metric]))
        return {f: float(np.mean(v)) for f, v in scores.items()}

    sa, sb = per_fold(a), per_fold(b)
    shared = sorted(set(sa) & set(sb))
    if len(shared) < 2:
        return None
    # K-fold: each fold validates on 1/K of train + validation and trains on the rest
    return corrected_resampled_t([sa[f] - sb[f] for f in shared], 1.0 / (folds - 1))


def significance(sd: StudyData, summaries: list[ArmSummary], num_labels: int) -> Significance:
    metric = sd.report.get("metric", "macro_f1")
    alpha = float(sd.report.get("alpha", 0.05))
    samples = int(sd.report.get("bootstrap_samples", 2000))
    sig = Significance(best=None, metric=metric, alpha=alpha, samples=samples)
    testable = []
    for s in summaries:
        if s.arm.kind == "reference":
            sig.excluded[s.name] = "before-training metrics only (no stored predictions)"
        elif not s.arm.runs:
            sig.excluded[s.name] = "no complete run"
        elif not s.arm.has_predictions:
            sig.excluded[s.name] = "test_predictions.csv missing"
        elif s.quality[metric] is not None:
            testable.append(s)
    if not testable:
        return sig
    best = max(testable, key=lambda s: s.quality[metric][0])  # type: ignore[index]
    sig.best = best.name
    hashes = _test_hash(best.arm)
    others = []
    for s in testable:
        if s is best:
            continue
        if _test_hash(s.arm) != hashes or len(hashes) != 1:
            sig.excluded[s.name] = "evaluated on a different test split"
            continue
        others.append(s)
    results = [compare(s.arm, best.arm, num_labels, metric, samples) for s in others]
    adjusted = holm([boot.p_value for boot, _ in results])
    for s, (boot, mc), p_adj in zip(others, results, adjusted):
        folds = compare_folds(s.arm, best.arm, metric, sd.cv) if sd.cv else None
        sig.comparisons.append(Comparison(s.name, best.name, boot, p_adj, mc, verdict(boot.diff, p_adj, alpha), folds))
    return sig


def pareto(summaries: list[ArmSummary], metric: str, cost_key: str) -> list[ArmSummary]:
    pts = [(s, getattr(s, cost_key) if cost_key != "trainable_parameters" else s.params_trainable)
           for s in summaries if s.quality.get(metric)]
    pts = [(s, c) for s, c in pts if c is not None]
    front = pareto_front([(c, s.quality[metric][0]) for s, c in pts])  # type: ignore[index]
    return [pts[i][0] for i in front]


def cost_points(summaries: list[ArmSummary], metric: str,
                extra_seconds: dict[str, float] | None = None) -> list[dict[str, Any]]:
    """Quality and cost per arm; ``extra_seconds`` (an arm's search time per run) adds to its train time."""
    out = []
    for s in summaries:
        q = s.quality.get(metric)
        if q is None or s.arm.kind == "reference":
            continue
        seconds = s.train_seconds
        if seconds is not None and extra_seconds and s.name in extra_seconds:
            seconds += extra_seconds[s.name]
        out.append({"name": s.name, "quality": q[0], "train_seconds": seconds,
                    "trainable_parameters": s.params_trainable, "ms_per_text": s.ms_per_text})
    return out


def data_efficiency_groups(summaries: list[ArmSummary], metric: str) -> dict[str, list[tuple[float, float, float]]]:
    groups: dict[str, list[tuple[float, float, float]]] = {}
    for s in summaries:
        if not any(k in s.arm.params for k in DATA_SWEEP_KEYS):
            continue
        q = s.quality.get(metric)
        if q is None or s.train_rows is None:
            continue
        groups.setdefault(s.arm.group, []).append((s.train_rows, q[0], q[1]))
    return {g: pts for g, pts in groups.items() if len(pts) >= 2}
