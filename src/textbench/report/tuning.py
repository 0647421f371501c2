"""The report's tuning section, from each tuned arm's ``tuning/<arm>/search.json``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textbench.report.document import Block, Bullets, Heading, Para, Table
from textbench.report.format import DASH, fmt_num, fmt_seconds

TUNING_DIR = "tuning"


def load_searches(study_dir: Path) -> dict[str, dict[str, Any]]:
    """Arm name -> its stored search summary (arms without one are absent)."""
    out = {}
    for path in sorted((Path(study_dir) / TUNING_DIR).glob("*/search.json")):
        try:
            out[path.parent.name] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
    return out


def _value(v: Any) -> str:
    return fmt_num(v) if isinstance(v, float) else str(v)


def tuning_section(searches: dict[str, dict[str, Any]], model_arms: list[str]) -> list[Block]:
    if not searches:
        return []
    blocks: list[Block] = [Heading("Tuning")]
    budgets = {json.dumps({k: (s.get("budget") or {}).get(k) for k in ("trials", "max_minutes")})
               for s in searches.values()}
    untuned = [a for a in model_arms if a not in searches]
    budget = next(iter(searches.values())).get("budget") or {}
    text = (f"Each tuned arm searched its settings on the validation set with the same budget"
            f" ({budget.get('trials')} counted trials"
            + (f" or {budget['max_minutes']:g} minutes, whichever came first" if budget.get("max_minutes") else "")
            + "; Optuna TPE, pruned trials count). The test set was never read by a trial. The results table"
              " shows each arm's best configuration retrained with the study's seeds.")
    if len(budgets) > 1:
        text += " **The arms' budgets differ** (the search settings changed between runs of the study)."
    if untuned:
        text += " Not tuned (compare with care): " + ", ".join(f"`{a}`" for a in untuned) + "."
    blocks.append(Para(text))
    rows = []
    for arm, s in searches.items():
        best = s.get("best") or {}
        values = [t["value"] for t in s.get("trials", []) if t.get("state") == "complete" and t.get("value") is not None]
        spread = f"{min(values):.3f} to {max(values):.3f}" if values else DASH
        states = [t.get("state") for t in s.get("trials", [])]
        counts = f"{states.count('complete')} / {states.count('pruned')} / {states.count('fail')}"
        settings = ", ".join(f"{k}={_value(v)}" for k, v in (best.get("params") or {}).items()) or DASH
        rows.append([f"`{arm}`", counts, fmt_seconds(s.get("seconds")),
                     f"{best['value']:.3f}" if best.get("value") is not None else DASH, spread, settings])
    blocks.append(Table(["arm", "trials (complete / pruned / failed)", "search time (s)",
                         "best validation", "spread of complete trials", "best settings"], rows, numeric_to=5))
    notes = []
    for arm, s in searches.items():
        imp = s.get("importance") or {}
        if imp:
            top = sorted(imp.items(), key=lambda kv: -kv[1])[:3]
            notes.append(f"`{arm}`: most important settings (Optuna's importance evaluator): "
                         + ", ".join(f"{k} ({v:.2f})" for k, v in top) + ".")
        refused = sum(1 for t in s.get("trials", []) if t.get("state") == "over budget")
        if (s.get("budget") or {}).get("max_parameters"):
            notes.append(f"`{arm}`: depth and width searched within {s['budget']['max_parameters']:,} parameters"
                         + (f"; {refused} larger shapes refused untrained (not counted)." if refused else "."))
        notes.append(f"`{arm}`: best config, ready to run: `tuning/{arm}/best.yaml`"
                     f" (`textbench train tuning/{arm}/best.yaml`).")
    blocks.append(Bullets(notes))
    return blocks
