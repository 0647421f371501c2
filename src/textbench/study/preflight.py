"""Checks that need the rest of textbench (models, methods, data), run before any training.

Config errors are caught earlier by ``load_study``; here: built-in models and local
model folders exist, methods are registered, from-scratch architectures are valid,
every distinct data section prepares. Returns notes for the report (e.g. a
``pretrain:`` block that this install cannot run yet).
"""

from __future__ import annotations

import json
import os
from typing import Any

from textbench.errors import ConfigError, TextbenchError
from textbench.study.plan import Study


def _check_model(arm_name: str, settings: dict[str, Any]) -> None:
    from textbench.models.builtin import BUILTIN_MODELS

    model = settings["model"]
    where = f"arm {arm_name!r}: model.name_or_path"
    name = model.get("name_or_path") or ""
    if model["kind"] == "pretrained":
        if name.startswith("builtin:"):
            key = name.split(":", 1)[1]
            if key not in BUILTIN_MODELS:
                raise ConfigError(f"{where}: unknown built-in model {name!r}; known:"
                                  f" {', '.join('builtin:' + n for n in BUILTIN_MODELS.names())}")
        elif name.startswith(("/", ".", "~")) and not os.path.exists(os.path.expanduser(name)):
            raise ConfigError(f"{where}: folder not found: {name}")
    tok = settings["tokenizer"].get("name_or_path")
    if tok and tok.startswith(("/", ".", "~")) and not os.path.exists(os.path.expanduser(tok)):
        raise ConfigError(f"arm {arm_name!r}: tokenizer.name_or_path: folder not found: {tok}")
    if model["kind"] == "scratch" and not model.get("from_pretraining_run"):
        from textbench.models import TextbenchConfig
        from textbench.models.configuration import check_architecture_keys

        arch = dict(model.get("architecture") or {})
        check_architecture_keys(arch, f"arm {arm_name!r}: model.architecture")
        try:
            TextbenchConfig(**arch)
        except TextbenchError as e:
            raise ConfigError(f"arm {arm_name!r}: model.architecture: {e}") from None


def preflight(study: Study) -> tuple[list[str], Any, dict[str, Any]]:
    """Raise ConfigError/DataError for anything that would fail at run time.

    Returns notes for the report, the study's prepared data, and every distinct prepared
    dataset the arms use by its content key (`textbench.data.store.data_key`).
    """
    from textbench.config.loader import from_dict, to_dict
    from textbench.data import prepare_data
    from textbench.data.config import DataConfig
    from textbench.data.store import data_key

    from textbench.study.tuning_stage import check_tune

    check_tune(study)
    notes: list[str] = [f"arm {a.name}: the study's data replaced {', '.join(a.data_replaced)}"
                        for a in study.arms if a.data_replaced]
    for arm in study.arms:
        if arm.kind in ("scratch", "pretrained"):
            _check_model(arm.name, arm.settings)
    prepared = prepare_data(study.data)
    notes += [f"data: {n}" for n in prepared.notes]
    by_key = {data_key(study.data): prepared}
    rows = {json.dumps(to_dict(study.data), sort_keys=True): len(prepared.splits["train"])}
    group_rows: dict[str, dict[int, list[str]]] = {}
    for arm in study.arms:
        if arm.kind == "reference":
            continue
        data = arm.settings["data"]
        key = json.dumps(data, sort_keys=True)
        if key not in rows:
            try:
                arm_data = from_dict(DataConfig, data, "data")
                arm_prepared = prepare_data(arm_data)
            except TextbenchError as e:
                raise type(e)(f"arm {arm.name!r}: {e}", hint=e.hint) from None
            rows[key] = len(arm_prepared.splits["train"])
            by_key[data_key(arm_data)] = arm_prepared
        if any(k.startswith("data.") for k in arm.params):
            group_rows.setdefault(arm.group, {}).setdefault(rows[key], []).append(arm.name)
    if study.cfg.cv:  # each fold's data, checked now (a class too small for K folds fails here) and stored once
        import dataclasses

        for fold in range(study.cfg.cv):
            fold_data = dataclasses.replace(study.data, cv_fold=fold)
            by_key[data_key(fold_data)] = prepare_data(fold_data)
        train_rows = len(prepared.splits["train"]) + len(prepared.splits["validation"])
        notes.append(f"data: {study.cfg.cv}-fold cross-validation over the {train_rows:,} rows of train + validation"
                     " (stratified, data.split_seed); every arm and seed trains once per fold; test untouched")
    for group, by_rows in group_rows.items():
        for n, names in by_rows.items():
            if len(names) > 1:
                notes.append(f"arms {', '.join(names)} (sweep of {group}) all train on {n:,} rows: their data"
                             " settings do not change the training set (data.max_train_samples caps"
                             " data.train_fraction)")
    return notes, prepared, by_key
