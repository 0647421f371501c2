"""The closing recommendation: the cheapest arm within noise of the best, as a config ready to train.

"Within noise": the best arm itself and every arm the significance section finds no
detectable difference from. "Cheapest": the lowest total training cost per run, the
search time (divided over the seeds' runs) included. The config written beside the
report trains that arm once more on train + validation, for the epochs its runs found
best, with nothing left to choose on validation.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from textbench.report.analysis import ArmSummary, Significance
from textbench.report.document import Block, Heading, Para
from textbench.report.format import fmt_q, fmt_seconds
from textbench.utils.io import write_text_atomic

RECOMMENDED_FILE = "recommended.yaml"


def _total_seconds(s: ArmSummary, searches: dict[str, dict[str, Any]]) -> float:
    search = searches.get(s.name) or {}
    runs = max(len(s.arm.runs), 1)
    return (s.train_seconds or 0.0) + float(search.get("seconds") or 0.0) / runs


def pick(summaries: list[ArmSummary], sig: Significance, searches: dict[str, dict[str, Any]]) -> ArmSummary | None:
    if sig.best is None:
        return None
    close = {sig.best} | {c.arm for c in sig.comparisons if c.verdict == "no detectable difference"}
    cands = [s for s in summaries if s.name in close and s.arm.kind != "reference" and s.arm.runs]
    return min(cands, key=lambda s: (_total_seconds(s, searches), s.name)) if cands else None


def final_config(s: ArmSummary) -> tuple[dict[str, Any], str]:
    """The arm's first run's config, for a final model on train + validation, and the command that trains it.

    The run's own config keeps what the study resolved for it: the shared tokenizer folder, a
    pretraining run, the tuned settings.
    """
    first = s.arm.runs[0]
    settings = yaml.safe_load(yaml.safe_dump(first.config or s.arm.settings))  # a deep copy
    data = {k: v for k, v in settings.get("data", {}).items() if k not in ("cv_folds", "cv_fold")}  # all rows now
    settings["data"] = {**data, "train_on_validation": True}
    name = f"{s.name}-final"
    if s.arm.kind == "baseline":
        chosen = (first.metrics.extra.get("baseline") or {}) if first.metrics else {}
        base = settings.setdefault("baseline", {})
        if "C_selected" in chosen:  # validation can no longer choose: keep what it chose
            base.update(C=[chosen["C_selected"]], tune_features=False, char_ngrams=chosen.get("char_ngrams_selected"),
                        min_df=chosen.get("min_df_selected", base.get("min_df", 1)))
        settings.update(seed=first.seed, output={"dir": "runs", "name": name})
        return settings, f"textbench baseline {RECOMMENDED_FILE}"
    train = settings.setdefault("train", {})
    epochs = s.best_epoch if s.best_epoch is not None else train.get("epochs", 1)
    train.update(epochs=max(1, math.ceil(float(epochs))), select_best_epoch=False, seed=first.seed)
    train.pop("early_stopping_patience", None)
    settings["output"] = {"dir": "runs", "name": name}
    return settings, f"textbench train {RECOMMENDED_FILE}"


def recommendation(study_dir: Path, summaries: list[ArmSummary], sig: Significance,
                   searches: dict[str, dict[str, Any]]) -> list[Block]:
    """The section's blocks; writes ``recommended.yaml`` in the study folder (removed when there is no pick)."""
    path = Path(study_dir) / RECOMMENDED_FILE
    choice = pick(summaries, sig, searches)
    if choice is None:
        path.unlink(missing_ok=True)
        return []
    settings, command = final_config(choice)
    header = (f"# {choice.name} ({choice.arm.label}), recommended by this study's report: retrained on train +"
              " validation.\n# Run from the study folder: " + command + "\n")
    write_text_atomic(path, header + yaml.safe_dump(settings, sort_keys=False))
    metric = sig.metric
    q = choice.quality.get(metric)
    others = "" if choice.name == sig.best else f" (not detectably different from the best, `{sig.best}`)"
    text = (f"`{choice.name}` ({choice.arm.label}): test {metric.replace('_', '-')} {fmt_q(q, len(choice.arm.runs))}"
            f"{others}, at the lowest training cost of the arms within noise of the best"
            f" ({fmt_seconds(_total_seconds(choice, searches))} s per run"
            + (", its search included" if choice.name in searches else "") + ")."
            f" `{RECOMMENDED_FILE}` holds its settings for a final model trained on train + validation"
            + (f" for {settings['train']['epochs']} epochs (its runs' best)" if "train" in settings else "")
            + f"; from the study folder: `{command}`. Its test score is then the one to report for that model.")
    return [Heading("Recommendation"), Para(text)]
