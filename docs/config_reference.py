"""Regenerate docs/study-file.md: every key of a study file and of a run config, with its default.

    python docs/config_reference.py > docs/study-file.md

Read from the typed dataclasses themselves (their fields, defaults and the comment or
docstring beside each field), so the reference cannot drift from what the loader accepts.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import sys
import textwrap
from typing import Any


def field_notes(cls: type) -> dict[str, str]:
    """Field -> its trailing comment or the string literal under it (an attribute docstring)."""
    source = textwrap.dedent(inspect.getsource(cls))
    lines = source.splitlines()
    body = ast.parse(source).body[0].body
    notes: dict[str, str] = {}
    for i, node in enumerate(body):
        if not isinstance(node, ast.AnnAssign) or not isinstance(node.target, ast.Name):
            continue
        line = lines[node.lineno - 1]
        comment = line.split("  # ", 1)[1].strip() if "  # " in line else ""
        after = body[i + 1] if i + 1 < len(body) else None
        if isinstance(after, ast.Expr) and isinstance(getattr(after, "value", None), ast.Constant) \
                and isinstance(after.value.value, str):
            comment = " ".join(after.value.value.split())
        notes[node.target.id] = comment
    return notes


def default_of(f: dataclasses.Field) -> str:
    if f.default is not dataclasses.MISSING:
        value = f.default
    elif f.default_factory is not dataclasses.MISSING:  # type: ignore[misc]
        value = f.default_factory()  # type: ignore[misc]
        if dataclasses.is_dataclass(value):
            return "(section)"
    else:
        return "required"
    return "null" if value is None else f"`{value!r}`".replace("'", '"') if isinstance(value, str) else f"`{value}`"


def table(cls: type, prefix: str, skip: tuple[str, ...] = ()) -> list[str]:
    notes = field_notes(cls)
    rows = ["| key | default | what |", "|---|---|---|"]
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        note = notes.get(f.name, "").replace("|", "\\|")
        rows.append(f"| `{prefix}{f.name}` | {default_of(f)} | {note} |")
    return rows


def architecture_table() -> list[str]:
    """``model.architecture`` keys: the from-scratch family's settings (TextbenchConfig's class fields)."""
    from textbench.models.configuration import TextbenchConfig

    notes = field_notes(TextbenchConfig)
    rows = ["| key | default | what |", "|---|---|---|"]
    for name in notes:
        if name in ("vocab_size", "pad_token_id", "bos_token_id", "eos_token_id", "model_type"):
            continue  # set from the tokenizer
        value = getattr(TextbenchConfig, name)
        shown = "null" if value is None else f"`{value!r}`".replace("'", '"')
        rows.append(f"| `model.architecture.{name}` | {shown} | {notes[name]} |")
    return rows


def main() -> None:
    from textbench.baselines.config import BaselineConfig
    from textbench.config.schema import EvalConfig, ModelConfig, OutputConfig, TrainConfig
    from textbench.data.config import DataConfig
    from textbench.methods.registry import method_names, method_spec
    from textbench.study.config import ArmConfig, ReportConfig, StudyConfig
    from textbench.study.resources import ResourcesConfig
    from textbench.tokenization import TokenizerConfig
    from textbench.tuning.config import TuneConfig

    out: list[str] = [
        "# Study files and run configs: every key", "",
        "Generated from the config classes by `python docs/config_reference.py > docs/study-file.md`;"
        " unknown keys and wrong types are errors naming the key. A study file names the data once,"
        " the seeds, the settings every model arm shares (`shared:`, a partial run config) and the arms"
        " (each a run config file and/or `set:` settings, with an optional `sweep:`). `textbench study"
        " --write-template my-study.yaml [--data FILE]` writes a commented one to edit.", "",
        "## Study file", "", *table(StudyConfig, ""), "",
        "### An arm (`arms:`)", "", *table(ArmConfig, "arms[].", ()), "",
        "`set:` and `sweep:` take run-config keys (below) as dotted keys (`train.epochs: 3`) or nested"
        " mappings. An arm's config file may name other data (the shipped configs name the built-in"
        " data): the study's data replaces it, and the report says so; an arm may set only"
        " `data.train_fraction` and `data.max_train_samples` itself.", "",
        "### `report:`", "", *table(ReportConfig, "report."), "",
        "### `tune:` (optional)", "", *table(TuneConfig, "tune."), "",
        "### `resources:` (optional; study-wide, and per arm over it)", "",
        "What each run (and each tuned arm's search) asks of a Ray cluster with `textbench study"
        " --executor ray`; the local executor shares out this machine's cores with `--jobs` instead.", "",
        *table(ResourcesConfig, "resources."), "",
        "## Run config (a file for `textbench train`, an arm's `config:`, or `shared:`/`set:` keys)", "",
        "### `data:` (in a study: the study's `data:`)", "", *table(DataConfig, "data."), "",
        "### `tokenizer:`", "", *table(TokenizerConfig, "tokenizer."), "",
        "### `model:`", "", *table(ModelConfig, "model."), "",
        "#### `model.architecture:` (from-scratch models)", "", *architecture_table(), "",
        "### `method:`", "",
        "`method.name` picks the method; `method.head_learning_rate` (default null: the run's learning"
        " rate) gives the head its own; the other keys are the chosen method's own:", "",
    ]
    for name in method_names():
        spec = method_spec(name)
        out += [f"#### `method.name: {name}`: {spec.summary}", ""]
        if dataclasses.fields(spec.settings):
            out += [*table(spec.settings, "method."), ""]
        else:
            out += ["No settings of its own.", ""]
    out += ["### `train:`", "", *table(TrainConfig, "train."), "",
            "### `eval:`", "", *table(EvalConfig, "eval."), "",
            "### `output:` (in a study: set by the study)", "", *table(OutputConfig, "output."), "",
            "## Baseline arms (`baselines:` or an arm's `baseline:`; settings under `set: {baseline.KEY: ...}`)",
            "", *table(BaselineConfig, "baseline."), ""]
    sys.stdout.write("\n".join(out))


if __name__ == "__main__":
    main()
