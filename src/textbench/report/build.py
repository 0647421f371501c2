"""Build ``report.md``, ``report.html`` and ``figures/`` of a study folder from its stored files.

Deterministic: the same study folder gives byte-identical files (no clock reads; times
shown come from the run manifests; the bootstrap is seeded; PNGs carry no stamp).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any, Sequence

from textbench.report import figures as figs
from textbench.report.analysis import (
    ArmSummary,
    Significance,
    cost_points,
    data_efficiency_groups,
    pareto,
    significance,
    summarize_arm,
)
from textbench.report.attention_note import study_note
from textbench.evaluation.names import LOWER_IS_BETTER
from textbench.report.collect import StudyData, load_study_dir
from textbench.report.document import Block, Bullets, Heading, Image, Para, Table, render_html, render_markdown
from textbench.report.format import DASH, METRIC_NAMES, fmt_count, fmt_num, fmt_p, fmt_q, fmt_seconds
from textbench.report.significance import EXACT_BELOW
from textbench.report.convergence import Convergence, arm_convergence
from textbench.report.recommendation import recommendation
from textbench.report.summary import summary_lines
from textbench.report.tuning import load_searches, tuning_section
from textbench.utils.io import write_text_atomic

SPLITS = ("train", "validation", "test")
KIND_NAMES = {"baseline": "baseline", "scratch": "from scratch", "pretrained": "pretrained", "reference": "reference"}


def _label_names(sd: StudyData) -> list[str]:
    if sd.data and sd.data.get("summary", {}).get("label_names"):
        return list(sd.data["summary"]["label_names"])
    for arm in sd.arms:
        for r in arm.runs:
            if r.metrics and r.metrics.get("label_names"):
                return list(r.metrics["label_names"])
    return []


# ---- sections -------------------------------------------------------------------------------

def _intro(sd: StudyData, summaries: list[ArmSummary]) -> list[Block]:
    blocks: list[Block] = []
    if sd.description:
        blocks.append(Para(sd.description.strip()))
    runs = [a for a in sd.arms if a.kind != "reference"]
    total = len(runs) * len(sd.seeds) * (sd.cv or 1)
    done = sum(len(a.runs) for a in runs)
    seeds = ", ".join(str(s) for s in sd.seeds)
    folds = f" x {sd.cv} cross-validation folds" if sd.cv else ""
    text = (f"{len(sd.arms)} arms x {len(sd.seeds)} seed{'s' if len(sd.seeds) > 1 else ''} (seeds {seeds}){folds};"
            f" {done} of {total} runs complete.")
    ended = sorted(r.manifest.ended for a in runs for r in a.runs if r.manifest.ended)
    if ended:
        text += f" Runs finished between {ended[0]} and {ended[-1]} (from the run manifests)."
    blocks.append(Para(text))
    return blocks


def _setup(sd: StudyData, summaries: list[ArmSummary], extra_notes: Sequence[str] = ()) -> list[Block]:
    blocks: list[Block] = [Heading("Setup")]
    rows = []
    for s in summaries:
        a = s.arm
        st = a.settings
        train = st.get("train") or {}
        epochs = fmt_num(train.get("epochs")) if a.kind in ("scratch", "pretrained") else DASH
        lr = fmt_num(train.get("learning_rate")) if a.kind in ("scratch", "pretrained") else DASH
        swept = ", ".join(f"{k}={v}" for k, v in a.params.items()) or DASH
        rows.append([f"`{a.name}`", KIND_NAMES.get(a.kind, a.kind), a.label, swept, epochs, lr,
                     f"{s.train_rows:,.0f}" if s.train_rows is not None else DASH])
    blocks.append(Table(["arm", "kind", "what", "swept setting", "epochs", "learning rate", "train rows"], rows,
                        numeric_from=4))
    blocks.append(Para("Every arm uses the same cleaned data, the same validation and test splits and the same"
                       " seeds; the settings of each arm are in `study.yaml` and each run's `config.yaml`."))
    notes = _budget_notes(sd) + list(sd.notes) + _run_notes(sd) + _small_data_note(sd, summaries) + list(extra_notes)
    if notes:
        blocks += [Para("**Notes**"), Bullets(notes)]
    env = _environment(sd)
    if env:
        blocks.append(Para(env))
    return blocks


SMALL_DATA_ROWS = 1000  # below this many training rows one validation split is a noisy judge


def _small_data_note(sd: StudyData, summaries: list[ArmSummary]) -> list[str]:
    """Suggest cross-validation when the training set is small and the study does not use it."""
    rows = [s.train_rows for s in summaries if s.train_rows]
    if sd.cv or not rows or min(rows) >= SMALL_DATA_ROWS:
        return []
    return [f"Small data: {min(rows):,.0f} training rows. With so few, one validation split and a test set of"
            " this size can reorder close arms by chance; `cv: 5` in the study file trains every arm on 5"
            " folds of train + validation (test untouched) and adds a corrected t-test across folds."]


def _budget_notes(sd: StudyData) -> list[str]:
    notes = []
    data = (sd.study.get("data") or {})
    if data.get("max_train_samples"):
        notes.append(f"Training data subsampled to at most {data['max_train_samples']:,} rows for every arm"
                     " (data.max_train_samples, stratified, seeded).")
    if data.get("train_fraction", 1.0) < 1.0:
        notes.append(f"Training data reduced to {100 * data['train_fraction']:g}% for every arm (data.train_fraction).")
    if data.get("max_eval_samples"):
        notes.append(f"Validation and test capped at {data['max_eval_samples']:,} rows each (data.max_eval_samples).")
    for a in sd.arms:
        train = (a.settings.get("train") or {})
        if train.get("max_minutes"):
            stopped = [r.seed if r.fold is None else r.replicate for r in a.runs if r.cost.stopped_by_time_budget]
            text = f"`{a.name}`: wall-clock budget of {train['max_minutes']:g} min per run (train.max_minutes)"
            if stopped:
                eps = [r.cost.epochs_completed for r in a.runs if r.cost.stopped_by_time_budget]
                text += (f"; stopped by the budget in seed{'s' if len(stopped) > 1 else ''} "
                         f"{', '.join(map(str, stopped))} after {', '.join(fmt_num(e) for e in eps)} epochs")
            notes.append(text + ".")
    return notes


def _over(sd: StudyData) -> str:
    return "seeds and cross-validation folds" if sd.cv else "seeds"


def _replicates(names: list[str]) -> str:
    """``seed(s) 1, 2`` for seed folders; the folder names under cross-validation."""
    if all(n.startswith("seed-") and n[5:].isdigit() for n in names):
        return f"seed(s) {', '.join(n[5:] for n in names)}"
    return ", ".join(names)


def _run_notes(sd: StudyData) -> list[str]:
    notes = []
    for a in sd.arms:
        if a.kind == "reference":
            if a.missing:
                notes.append(f"`{a.name}`: no before-training metrics for {_replicates(a.missing)}.")
            continue
        if a.missing:
            why = f" ({'; '.join(a.failed)})" if a.failed else ""
            notes.append(f"`{a.name}`: no complete run for {_replicates(a.missing)}{why};"
                         " its row uses the complete runs only.")
    return notes


def _environment(sd: StudyData) -> str:
    manifests = [r.manifest for a in sd.arms for r in a.runs if r.manifest.machine]
    manifests.sort(key=lambda m: "torch_threads" not in m.machine)  # a torch run says more about the device
    if not manifests:
        return ""
    m = manifests[0]
    v = m.versions
    dev = m.machine.get("device", "?")
    libs = ", ".join(f"{k} {v[k]}" for k in ("textbench", "torch", "transformers", "scikit-learn") if k in v)
    return (f"Ran on `{dev}` ({m.machine.get('cpu_count', '?')} CPU cores); {libs}."
            " Costs are measured per run in its own process.")


def _data_section(sd: StudyData, label_names: list[str], out: Path) -> list[Block]:
    blocks: list[Block] = [Heading("Data")]
    if not sd.data:
        return blocks + [Para("No data.json in the study folder; the data section is missing.")]
    summary, stats = sd.data["summary"], sd.data.get("stats") or {}
    blocks.append(Para(f"Source: `{summary.get('source')}`; {len(label_names)} classes."
                       + (f" Splits made here (seeded, stratified): {', '.join(summary['created_splits'])}."
                          if summary.get("created_splits") else "")))
    rows = []
    counts = summary.get("class_counts") or {}
    total = summary.get("rows") or {}
    for name in label_names:
        row = [name]
        for s in SPLITS:
            c = counts.get(s, {}).get(name, 0)
            n = total.get(s, 0) or 1
            row.append(f"{c:,} ({100 * c / n:.1f}%)")
        rows.append(row)
    rows.append(["**rows**", *(f"**{total.get(s, 0):,}**" for s in SPLITS)])
    blocks.append(Table(["class", *SPLITS], rows))
    chars = stats.get("chars") or {}
    if chars:
        blocks.append(Table(["split", "mean chars", "median", "p95", "max"],
                            [[s, *(fmt_num(chars[s][k]) for k in ("mean", "median", "p95", "max"))]
                             for s in SPLITS if s in chars]))
    if sd.data.get("char_lengths"):
        figs.data_lengths(sd.data["char_lengths"], out / "figures" / "data_lengths.png")
        blocks.append(Image("figures/data_lengths.png", "Text length (characters) per split."))
    if stats.get("classes"):
        figs.class_balance(stats["classes"], label_names, out / "figures" / "data_classes.png")
        blocks.append(Image("figures/data_classes.png", "Class distribution per split."))
    cleaning = summary.get("cleaning") or {}
    keys = ["rows_in", "whitespace_normalised", "empty_dropped", "duplicates_dropped", "duplicate_label_conflicts",
            "leakage_found", "leakage_removed", "rows_out"]
    present = [k for k in keys if any(k in cleaning.get(s, {}) for s in SPLITS)]
    if present:
        blocks.append(Para("**Cleaning** (rows per split):"))
        blocks.append(Table(["split", *(k.replace("_", " ") for k in present)],
                            [[s, *(f"{cleaning.get(s, {}).get(k, 0):,}" for k in present)] for s in SPLITS]))
    leakage = summary.get("leakage") or {}
    found = {k: v for k, v in leakage.items() if v}
    blocks.append(Para("**Leakage** (same text in two splits): "
                       + (", ".join(f"{k}: {v}" for k, v in leakage.items()) if found else "none found.")))
    sub = summary.get("subsampled") or {}
    if sub:
        blocks.append(Para("**Subsampled:** " + "; ".join(
            f"{s} {c.get('rows_before', '?'):,} -> {c.get('rows_after', '?'):,} rows" for s, c in sub.items())))
    blocks += _fairness(sd)
    return blocks


def _fairness(sd: StudyData) -> list[Block]:
    runs = [r for a in sd.arms if a.kind != "reference" for r in a.runs]
    if not runs:
        return []
    hashes = {s: {r.manifest.split_hashes.get(s) for r in runs} for s in SPLITS}
    items = []
    if sd.cv:  # each fold has its own training and validation rows; the arms must share them fold by fold
        folds: dict[Any, set[tuple[Any, Any]]] = {}
        for r in runs:
            folds.setdefault(r.fold, set()).add((r.manifest.split_hashes.get("train"),
                                                 r.manifest.split_hashes.get("validation")))
        mixed = sorted(str(f) for f, hs in folds.items() if len(hs) > 1)
        items.append(f"in each of the {len(folds)} folds every run used the same training and validation rows"
                     if not mixed else f"**folds {', '.join(mixed)}: the runs used different training or validation"
                     " rows** (compare the manifests; arms with data.train_fraction or data.max_train_samples?)")
    for s in ("test",) if sd.cv else ("validation", "test"):
        hs = hashes[s] - {None}
        if len(hs) == 1:
            items.append(f"all {len(runs)} runs used the same {s} split (sha256 `{next(iter(hs))[:12]}`)")
        else:
            items.append(f"**the runs used {len(hs)} different {s} splits** (compare the manifests)")
    ht = hashes["train"] - {None}
    if not sd.cv:
        items.append("the same training split" if len(ht) == 1 else
                     f"{len(ht)} different training splits (arms with data.train_fraction or data.max_train_samples)")
    toks: dict[str, list[str]] = {}
    for a in sd.arms:
        for h in sorted({r.manifest.tokenizer_hash for r in a.runs if r.manifest.tokenizer_hash}):
            toks.setdefault(h, []).append(a.name)
    if toks:
        items.append(f"{len(toks)} distinct tokenizer{'s' if len(toks) > 1 else ''}: " + "; ".join(
            f"`{h[:12]}` ({', '.join(names)})" for h, names in toks.items()))
    return [Para("**Fairness check** (from the run manifests): " + "; ".join(items) + ".")]


def _results(summaries: list[ArmSummary], sd: StudyData, convergence: dict[str, Convergence],
             searches: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading("Results on the test set")]
    mem_kinds = {s.memory_kind for s in summaries if s.memory_kind}
    mem_title = "peak GPU memory (MB)" if mem_kinds == {"GPU"} else "peak memory (MB)"
    keys = sd.quality_keys
    header = ["arm", "runs" if sd.cv else "seeds", *(METRIC_NAMES[k] for k in keys), "params (total)", "params (trainable)",
              "train time (s)", "s / epoch", mem_title, "test inference (s)", "texts / s", "best epoch", "converged"]
    # column index -> (value getter, higher is better)
    cols: dict[int, tuple[Any, bool]] = {}
    for j, k in enumerate(keys):
        cols[2 + j] = (lambda s, k=k: s.quality[k][0] if s.quality[k] else None, k not in LOWER_IS_BETTER)
    cols[6] = (lambda s: s.params_total, False)
    cols[7] = (lambda s: s.params_trainable, False)
    cols[8] = (lambda s: s.train_seconds, False)
    cols[9] = (lambda s: s.seconds_per_epoch, False)
    cols[10] = (lambda s: s.peak_memory_mb, False)
    cols[11] = (lambda s: s.inference_seconds, False)
    cols[12] = (lambda s: s.texts_per_second, True)
    rows = []
    for s in summaries:
        n = len(s.arm.runs)
        mem = DASH if s.peak_memory_mb is None else f"{s.peak_memory_mb:,.0f}" + (
            " (GPU)" if s.memory_kind == "GPU" and len(mem_kinds) > 1 else "")
        rows.append([f"`{s.name}`", str(n), *(fmt_q(s.quality[k], n) for k in keys), fmt_count(s.params_total),
                     fmt_count(s.params_trainable), fmt_seconds(s.train_seconds), fmt_seconds(s.seconds_per_epoch),
                     mem, fmt_seconds(s.inference_seconds), fmt_num(s.texts_per_second),
                     fmt_num(s.best_epoch) if s.best_epoch is not None else DASH,
                     _converged(s.arm.kind, convergence[s.name])])
    bold = set()
    # a constant predictor (the majority baseline) costs nothing: no record of speed, memory or size
    trivial = {i for i, s in enumerate(summaries) if s.arm.kind == "baseline" and not s.params_total}
    for j, (get, higher) in cols.items():
        vals = [(i, get(s)) for i, s in enumerate(summaries) if j < 6 or i not in trivial]
        vals = [(i, v) for i, v in vals if v is not None]
        if len(vals) < 2:
            continue
        target = max(v for _, v in vals) if higher else min(v for _, v in vals)
        bold |= {(i, j) for i, v in vals if v == target}
    blocks.append(Table(header, rows, bold=bold, numeric_from=1, numeric_to=len(header) - 1))
    blocks.append(Para(
        f"Quality: mean ± standard deviation over {_over(sd)}. Cost: mean over {_over(sd)}. **Bold**: best in the column"
        " (highest quality, throughput; lowest parameters, time, memory; the majority baseline, a constant,"
        " is left out of the cost columns). Train time is what a run waited for: the training loop (validation"
        " included), for methods that cache a frozen part building that cache, and any MLM pretraining the run"
        " started from; test inference is the whole test set, tokenisation included. Baselines count"
        " their logistic-regression weights as parameters. Reference rows are pretrained models before training."))
    flagged = [f"`{name}`: {c.phrase()}; more epochs or a larger budget may change its place."
               for name, c in convergence.items() if c.flagged]
    if flagged:
        blocks += [Para("**Not converged** (from the runs' validation curves and time budgets):"), Bullets(flagged)]
    cached = [f"`{s.name}`: {fmt_seconds(s.cache_seconds)} s of its {fmt_seconds(s.train_seconds)} s building"
              " the frozen-feature cache" for s in summaries if s.cache_seconds]
    if cached:
        blocks += [Para("**Frozen-feature caches** (in the train time):"), Bullets(cached)]
    pretrained = [f"`{s.name}`: {fmt_seconds(s.pretrain_seconds)} s of its {fmt_seconds(s.train_seconds)} s"
                  " pretraining with masked language modelling first" for s in summaries if s.pretrain_seconds]
    if pretrained:
        blocks += [Para("**MLM pretraining** (in the train time):"), Bullets(pretrained)]
    if searches:
        costs = [f"`{arm}`: {fmt_seconds(s.get('seconds'))} s of search ({s.get('counted_trials')}"
                 f" trial{'' if s.get('counted_trials') == 1 else 's'}) before the runs above"
                 for arm, s in searches.items()]
        blocks += [Para("**Search cost** (add it to the train time of the tuned arms):"), Bullets(costs)]
    return blocks


def _converged(kind: str, c: Convergence) -> str:
    if kind not in ("scratch", "pretrained"):
        return DASH
    parts = []
    if c.still_improving:
        parts.append(f"still improving ({c.still_improving}/{c.runs})")
    if c.stopped_by_budget:
        parts.append(f"time budget ({c.stopped_by_budget}/{c.runs})")
    return "no: " + ", ".join(parts) if parts else "yes"


def _significance(sig: Significance) -> list[Block]:
    mname = METRIC_NAMES.get(sig.metric, sig.metric)
    blocks: list[Block] = [Heading("Significance")]
    if sig.best is None:
        return blocks + [Para("No complete runs to compare.")]
    blocks.append(Para(
        f"Each arm against the best arm, `{sig.best}`, on the same test examples. Primary test: a paired bootstrap"
        f" of {mname} ({sig.samples:,} resamples of the test set, the same resample for both arms, each arm's"
        f" {mname} averaged over its seeds); two-sided p-values, adjusted with Holm-Bonferroni over the"
        f" {len(sig.comparisons)} comparison{'s' if len(sig.comparisons) != 1 else ''}; alpha = {sig.alpha:g}."
        " Also shown, unadjusted: McNemar's test on per-example correctness for each seed (exact binomial below"
        f" {EXACT_BELOW} discordant examples, chi-squared with continuity correction above). The bootstrap measures"
        " uncertainty from the finite test set; seed-to-seed spread is the ± in the results table."))
    cv = any(c.folds is not None for c in sig.comparisons)
    if cv:
        blocks.append(Para(
            f"Cross-validation: each fold's model is tested on the same test set; the corrected resampled t-test"
            f" (Nadeau and Bengio, 2003) asks whether the per-fold differences in test {mname} are consistent"
            " across folds, its variance inflated for the folds' overlapping training sets (unadjusted)."))
    if sig.comparisons:
        rows = []
        for c in sig.comparisons:
            mc = "; ".join(f"{s}: {fmt_p(r.p_value)} ({r.a_only}/{r.b_only})" for s, r in c.mcnemar.items())
            row = [f"`{c.arm}`", f"{c.bootstrap.diff:+.3f}", f"{c.bootstrap.ci_low:+.3f} to {c.bootstrap.ci_high:+.3f}",
                   fmt_p(c.bootstrap.p_value), fmt_p(c.p_adjusted)]
            if cv:
                row.append(f"{c.folds.diff:+.3f}, p {fmt_p(c.folds.p_value)}" if c.folds else DASH)
            rows.append(row + [mc or DASH, c.verdict])
        header = ["arm", f"difference in {mname} vs `{sig.best}`", "95% interval", "p (bootstrap)", "p (Holm)"]
        header += ["mean fold difference, p (corrected t)"] if cv else []
        header += ["McNemar p per run (only arm right / only best right)", f"verdict vs `{sig.best}`"]
        blocks.append(Table(header, rows, numeric_from=1, numeric_to=len(header) - 3))
    if sig.excluded:
        blocks.append(Bullets([f"`{a}`: not tested ({why})" for a, why in sig.excluded.items()]))
    return blocks


def _plots(sd: StudyData, summaries: list[ArmSummary], label_names: list[str], out: Path,
           metric: str, searches: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = []
    arms = [s.arm for s in summaries]
    colors = figs.colors_for([a.name for a in arms])
    fdir = out / "figures"
    mname = METRIC_NAMES.get(metric, metric)

    blocks.append(Heading("Learning curves"))
    if figs.learning_curves_all(arms, colors, metric, fdir / "learning_curves.png"):
        blocks.append(Image("figures/learning_curves.png",
                            f"Train loss, validation loss and validation {mname} per epoch, every arm."))
        if sd.report.get("per_arm_figures", True):
            for a in figs.curve_arms(arms):
                rel = f"figures/learning_curves_{a.name}.png"
                if figs.learning_curves_arm(a, colors[a.name], metric, out / rel):
                    blocks.append(Image(rel, f"{a.name}: learning curves per seed."))
    else:
        blocks.append(Para("No arm trained for epochs (baselines only)."))

    if figs.overfitting_gap(arms, colors, fdir / "overfitting.png"):
        blocks += [Heading("Train-validation gap"),
                   Image("figures/overfitting.png",
                         "Validation loss minus mean train loss of the same epoch; a gap that grows with the"
                         " epochs means the arm is overfitting.")]

    blocks.append(Heading("Per-class results"))
    if figs.confusion_grid(arms, label_names, fdir / "confusion_matrices.png"):
        blocks.append(Image("figures/confusion_matrices.png", "Test confusion matrices (counts summed over seeds)."))
    if figs.per_class_f1(arms, label_names, colors, fdir / "per_class_f1.png"):
        multi = any(r.metrics and r.metrics.get("multi_label") for a in arms for r in a.runs)
        blocks.append(Image("figures/per_class_f1.png", "Per-label F1 on test, each label over its threshold tuned"
                            " on validation." if multi else "Per-class F1 on test."))

    search_per_run = {s.name: float((searches.get(s.name) or {}).get("seconds") or 0.0) / max(len(s.arm.runs), 1)
                      for s in summaries if s.name in searches}
    points = cost_points(summaries, metric, search_per_run)
    if figs.quality_vs_cost(points, colors, metric, fdir / "quality_vs_cost.png"):
        searched = " (tuned arms: their search time per run included)" if search_per_run else ""
        blocks += [Heading("Quality against cost"),
                   Image("figures/quality_vs_cost.png",
                         f"Test {mname} against train time{searched}, trainable parameters and inference latency"
                         " (log scales); the dashed line is the Pareto front.")]
        items = []
        for key, title in (("train_seconds", "train time"), ("trainable_parameters", "trainable parameters"),
                           ("ms_per_text", "inference latency")):
            front = pareto(summaries, metric, key)
            if front:
                items.append(f"{title}: " + " -> ".join(f"`{s.name}`" for s in front))
        if items:
            blocks += [Para("Pareto fronts (cheapest first):"), Bullets(items)]

    groups = data_efficiency_groups(summaries, metric)
    if groups:
        figs.data_efficiency(groups, figs.colors_for(list(groups)), metric, fdir / "data_efficiency.png")
        blocks += [Heading("Data efficiency"),
                   Image("figures/data_efficiency.png",
                         f"Test {mname} against the number of training examples (mean ± std over seeds).")]
    return blocks


def build_report(study_dir: str | Path, notes: Sequence[str] = ()) -> Path:
    """Write report.md, report.html and figures/ for the study folder; returns report.html's path.

    ``notes`` are added to the run notes (the study passes its stale runs, see study/stale.py).
    """
    out = Path(study_dir)
    sd = load_study_dir(out)
    metric = sd.report.get("metric", "macro_f1")
    label_names = _label_names(sd)
    shutil.rmtree(out / "figures", ignore_errors=True)
    (out / "figures").mkdir(parents=True)
    summaries = [summarize_arm(a) for a in sd.arms]
    sig = significance(sd, summaries, len(label_names))
    convergence = {a.name: arm_convergence(a, (a.settings.get("train") or {}).get("metric_for_best_model", metric))
                   for a in sd.arms}
    searches = load_searches(out)

    blocks: list[Block] = _intro(sd, summaries)
    blocks += [Heading("Summary"), Bullets(summary_lines(summaries, sig, len(label_names), convergence))]
    blocks += _setup(sd, summaries, notes)
    blocks += _data_section(sd, label_names, out)
    blocks += tuning_section(searches, [a.name for a in sd.arms if a.kind in ("scratch", "pretrained")])
    blocks += _results(summaries, sd, convergence, searches)
    attention = study_note([a.settings for a in sd.arms])  # arms that differ in attention kind
    if attention:
        blocks.append(Para(attention))
    blocks += _significance(sig)
    blocks += recommendation(out, summaries, sig, searches)
    blocks += _plots(sd, summaries, label_names, out, metric, searches)

    title = f"Study report: {sd.name}"
    write_text_atomic(out / "report.md", render_markdown(title, blocks))
    return write_text_atomic(out / "report.html", render_html(title, blocks, out))
