"""Resolve a study's arms into complete, validated run configs (before anything trains).

Model arm settings are merged in this order, later wins: the study's ``shared``,
the arm's ``config`` file, the arm's ``set``, the arm's sweep values. The data
section always comes from the study; an arm may change only ``train_fraction`` and
``max_train_samples``. Seeds and output folders are set by the study.
Relative paths resolve against the file that names them.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Union

from textbench.baselines.config import BaselineRunConfig
from textbench.config.loader import from_dict, load_yaml, to_dict
from textbench.config.schema import OutputConfig, RunConfig
from textbench.data.config import DataConfig
from textbench.errors import ConfigError
from textbench.study.config import ArmConfig, StudyConfig
from textbench.config.mappings import deep_merge, flatten, nest
from textbench.study.grid import expand_sweep
from textbench.study.resources import ResourcesConfig

PER_ARM_DATA_KEYS = ("train_fraction", "max_train_samples")
DATA_PATH_KEYS = ("source", "train_file", "validation_file", "test_file")
BASELINE_LABELS = {"majority": "majority class", "tfidf": "TF-IDF (word + char n-grams) + logistic regression"}


ArmRunConfig = Union[RunConfig, BaselineRunConfig]


@dataclass
class ResolvedArm:
    """One arm after grid expansion, with its validated run config (seed and output set per run)."""

    name: str
    group: str  # the study file's arm it came from
    kind: str  # baseline | scratch | pretrained | reference
    label: str  # a short human description for the report
    config: ArmRunConfig | None = None  # None for reference arms (they train nothing)
    params: dict[str, Any] = field(default_factory=dict)  # the sweep's settings (dotted keys)
    description: str | None = None
    reference: str | None = None
    pretrain: dict[str, Any] | None = None
    data_replaced: list[str] = field(default_factory=list)  # its config file's data settings the study's replaced
    resources: ResourcesConfig | None = None  # the arm's over the study's (used by --executor ray)

    @property
    def run_kind(self) -> str:
        """The run kind (`textbench.runs.kinds`) that trains this arm."""
        return "baseline" if self.kind == "baseline" else "finetune"

    @property
    def settings(self) -> dict[str, Any]:
        """The config as a mapping, without what the study sets per run (seed, output)."""
        if self.config is None:
            return {}
        out = to_dict(self.config)
        out.pop("output", None)
        out.pop("seed", None)
        if isinstance(out.get("train"), dict):
            out["train"].pop("seed", None)
        return out

    def run_config(self, seed: int, out_dir: Path, name: str) -> ArmRunConfig:
        """The complete config of one run of this arm."""
        assert self.config is not None, f"arm {self.name!r} trains nothing"
        output = OutputConfig(dir=str(out_dir), name=name, if_exists="error")
        if isinstance(self.config, BaselineRunConfig):
            return dataclasses.replace(self.config, seed=seed, output=output)
        return dataclasses.replace(self.config, train=dataclasses.replace(self.config.train, seed=seed), output=output)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "group": self.group, "kind": self.kind, "label": self.label,
            "description": self.description, "params": self.params, "reference": self.reference,
            "pretrain": self.pretrain, "settings": self.settings,
        }


def _abs(base: Path, value: str) -> str:
    return os.path.normpath(os.path.join(base, os.path.expanduser(value)))


def _resolve_path(base: Path, value: Any, always: bool) -> Any:
    if not isinstance(value, str) or not value or value.startswith(("builtin:", "hf:")):
        return value
    value_expanded = os.path.expanduser(value)
    if os.path.isabs(value_expanded):
        return value_expanded
    candidate = _abs(base, value)
    return candidate if always or os.path.exists(candidate) else value


def resolve_paths(raw: dict[str, Any], base: Path) -> dict[str, Any]:
    """Make file and folder settings of a (partial) run config absolute against ``base``.

    Data paths always; model and tokenizer paths only where they exist there (otherwise
    they are hub ids or ``builtin:`` names).
    """
    out = deep_merge({}, raw)
    data = out.get("data")
    if isinstance(data, dict):
        for key in DATA_PATH_KEYS:
            if key in data:
                data[key] = _resolve_path(base, data[key], always=True)
    for section, key in (("model", "name_or_path"), ("model", "from_pretraining_run"), ("tokenizer", "name_or_path")):
        node = out.get(section)
        if isinstance(node, dict) and key in node:
            node[key] = _resolve_path(base, node[key], always=False)
    tok = out.get("tokenizer")
    if isinstance(tok, dict) and isinstance(tok.get("extra_files"), list):
        tok["extra_files"] = [_resolve_path(base, v, always=True) for v in tok["extra_files"]]
    return out


def resolve_study_data(cfg: StudyConfig, base: Path) -> DataConfig:
    raw = resolve_paths({"data": to_dict(cfg.data)}, base)["data"]
    if cfg.cv is not None:  # every run's data knows the folds; each run takes its own (PlannedRun.fold)
        raw["cv_folds"] = cfg.cv
    return from_dict(DataConfig, raw, "data")


def _arm_error(where: str, e: ConfigError) -> ConfigError:
    return ConfigError(f"{where}: {e}", hint=e.hint)


def _per_arm_data(where: str, data: dict[str, Any], origin: str) -> dict[str, Any]:
    bad = [k for k in data if k not in PER_ARM_DATA_KEYS]
    if bad:
        raise ConfigError(
            f"{where}: data.{bad[0]} set in {origin}; every arm uses the study's data (an arm may set only"
            f" {' and '.join('data.' + k for k in PER_ARM_DATA_KEYS)})"
        )
    return dict(data)


def _file_data(where: str, file_data: dict[str, Any], config_path: Path,
               study_data: DataConfig) -> tuple[dict[str, Any], list[str]]:
    """A config file's data section under the study: its per-arm keys, and what the study's data
    replaced (a shipped config on the user's data: the study's data wins, and the report says so)."""
    try:
        parsed = from_dict(DataConfig, file_data, "data")
    except ConfigError as e:
        raise ConfigError(f"{where} (config {config_path}): {e}", hint=e.hint) from None
    per_arm, replaced = {}, []
    for key in file_data:
        if key in PER_ARM_DATA_KEYS:
            per_arm[key] = getattr(parsed, key)
        elif getattr(parsed, key) != getattr(study_data, key):
            replaced.append(f"data.{key} {getattr(parsed, key)!r}")
    return per_arm, replaced


def _model_label(cfg: RunConfig) -> tuple[str, str]:
    m, meth = cfg.model, cfg.method
    if m.kind == "scratch":
        a = m.architecture
        parts = [f"scratch {a.get('kind', 'encoder')}"]
        if "num_hidden_layers" in a or "hidden_size" in a:
            parts.append(f"{a.get('num_hidden_layers', '?')}L x {a.get('hidden_size', '?')}")
        parts.append(f"{a.get('attention_type', 'mha')}/{a.get('position_embedding_type', 'learned')}")
        if m.from_pretraining_run:
            parts.append("MLM-pretrained")
        label = " ".join(parts)
        kind = "scratch"
    else:
        label = m.name_or_path.rstrip("/").split("/")[-1].replace("builtin:", "")
        kind = "pretrained"
    if not (kind == "scratch" and meth.spec.trains_all_weights):
        label = f"{label}, {meth.describe()}"
    return kind, label + _reading(cfg.tokenizer)


def _reading(tok: Any) -> str:
    """How long texts are read, when not simply cut (``tokenizer.long_text``)."""
    if tok.long_text == "head_tail":
        return f", first {tok.head_fraction:.0%} + end of {tok.max_length} tokens"
    if tok.long_text == "chunk":
        stride = tok.chunk_stride if tok.chunk_stride is not None else tok.max_length // 4
        return f", {tok.max_length}-token windows ({stride} shared, {tok.chunk_aggregate})"
    return ""


def _resolve_model_arm(arm: ArmConfig, where: str, study: StudyConfig, study_data: DataConfig,
                       base: Path, shared: dict[str, Any]) -> list[ResolvedArm]:
    file_raw: dict[str, Any] = {}
    per_arm_data: dict[str, Any] = {}
    replaced: list[str] = []
    if arm.config:
        config_path = Path(_abs(base, arm.config))
        try:
            file_raw = resolve_paths(load_yaml(config_path), config_path.parent)
        except ConfigError as e:
            raise _arm_error(f"{where} (config {arm.config})", e) from None
        file_raw.pop("output", None)  # the study decides where runs go
        if isinstance(file_raw.get("train"), dict):
            file_raw["train"].pop("seed", None)  # the study's seeds apply
        if "data" in file_raw:
            per_arm_data, replaced = _file_data(where, file_raw.pop("data") or {}, config_path, study_data)
    own = resolve_paths(nest(arm.set, f"{where}.set"), base)
    merged = deep_merge(deep_merge(shared, file_raw), own)
    if "output" in own:
        raise ConfigError(f"{where}.set: output is set by the study (output_dir and the arm's name)")
    if "seed" in (own.get("train") or {}):
        raise ConfigError(f"{where}.set: train.seed is set by the study's seeds")
    if "data" in own:
        per_arm_data.update(_per_arm_data(where, own.pop("data"), "set"))
        merged.pop("data", None)

    out = []
    for variant in expand_sweep(arm.sweep, where):
        vset = resolve_paths(nest(variant.params, f"{where}.sweep"), base)
        if "output" in vset or "seed" in (vset.get("train") or {}):
            raise ConfigError(f"{where}.sweep: output and train.seed are set by the study")
        data_keys = dict(per_arm_data)
        if "data" in vset:
            data_keys.update(_per_arm_data(where, vset.pop("data"), "sweep"))
        settings = deep_merge(merged, vset)
        settings["data"] = {**to_dict(study_data), **data_keys}
        name = f"{arm.name}-{variant.suffix}" if variant.suffix else arm.name
        try:
            cfg = from_dict(RunConfig, {**settings, "train": {**settings.get("train", {}), "seed": study.seeds[0]}})
        except ConfigError as e:
            raise _arm_error(f"arm {name!r}", e) from None
        kind, label = _model_label(cfg)
        resolved = ResolvedArm(name=name, group=arm.name, kind=kind, label=label, config=cfg,
                               params=variant.params, description=arm.description,
                               pretrain=dict(arm.pretrain) if arm.pretrain is not None else None,
                               data_replaced=[f"{r} from {arm.config}" for r in replaced])
        if arm.pretrain is not None:
            from textbench.study.pretrain import validate_pretrain

            validate_pretrain(resolved.settings, arm.pretrain, f"arm {name!r}")
            resolved.label += ", MLM-pretrained first"
        out.append(resolved)
    return out


def _resolve_baseline_arm(arm: ArmConfig, where: str, study_data: DataConfig, base: Path) -> list[ResolvedArm]:
    own = nest(arm.set, f"{where}.set")
    bad = [k for k in own if k not in ("baseline", "data")]
    if bad:
        raise ConfigError(f"{where}.set: a baseline arm takes only baseline.* and data.* settings, got {bad[0]!r}")
    out = []
    for variant in expand_sweep(arm.sweep, where):
        vset = deep_merge(own, nest(variant.params, f"{where}.sweep"))
        bad = [k for k in vset if k not in ("baseline", "data")]
        if bad:
            raise ConfigError(f"{where}.sweep: a baseline arm takes only baseline.* and data.* settings, got {bad[0]!r}")
        data_keys = _per_arm_data(where, vset.get("data") or {}, "set/sweep")
        name = f"{arm.name}-{variant.suffix}" if variant.suffix else arm.name
        raw = {
            "baseline": {**(vset.get("baseline") or {}), "name": arm.baseline},
            "data": {**to_dict(study_data), **data_keys},
        }
        try:
            cfg = from_dict(BaselineRunConfig, raw)
        except ConfigError as e:
            raise _arm_error(f"arm {name!r}", e) from None
        out.append(ResolvedArm(name=name, group=arm.name, kind="baseline",
                               label=BASELINE_LABELS.get(arm.baseline or "", str(arm.baseline)),
                               config=cfg, params=variant.params, description=arm.description))
    return out


def resolve_arms(study: StudyConfig, study_data: DataConfig, base: Path, source: str) -> list[ResolvedArm]:
    """Every arm of the study (baselines first), expanded and validated; names unique."""
    arms = [ArmConfig(name=b, baseline=b) for b in study.baselines] + list(study.arms)
    seen: dict[str, str] = {}
    for i, arm in enumerate(arms):
        where = f"arms[{i - len(study.baselines)}]" if i >= len(study.baselines) else f"baselines[{i}]"
        if arm.name in seen:
            raise ConfigError(
                f"{source}: two arms are named {arm.name!r} ({seen[arm.name]} and {where});"
                " arm names must be unique (the default baselines are named majority and tfidf;"
                " set baselines: [] to define them yourself)"
            )
        seen[arm.name] = where
    shared = resolve_paths(study.shared, base)
    resolved: list[ResolvedArm] = []
    for i, arm in enumerate(arms):
        where = f"{source}: arm {arm.name!r}"
        first = len(resolved)
        try:
            if arm.reference is not None:
                resolved.append(ResolvedArm(name=arm.name, group=arm.name, kind="reference",
                                            label=f"{arm.reference} before training", reference=arm.reference,
                                            description=arm.description))
            elif arm.baseline is not None:
                resolved.extend(_resolve_baseline_arm(arm, where, study_data, base))
            else:
                resolved.extend(_resolve_model_arm(arm, where, study, study_data, base, shared))
        except ConfigError as e:
            msg = str(e)
            raise e if msg.startswith(source) else ConfigError(f"{source}: {msg}", hint=e.hint) from None
        wanted = arm.resources.over(study.resources) if arm.resources else study.resources
        for a in resolved[first:]:
            a.resources = wanted
    names: dict[str, str] = {}
    for a in resolved:
        if a.name in names:
            raise ConfigError(
                f"{source}: two arms are named {a.name!r} after expanding sweeps (from {names[a.name]!r} and"
                f" {a.group!r}); give sweep entries a 'name' or rename an arm"
            )
        names[a.name] = a.group
    by_name = {a.name: a for a in resolved}
    for a in resolved:
        if a.kind == "reference":
            target = by_name.get(a.reference or "")
            if target is None:
                raise ConfigError(f"{source}: arm {a.name!r}: reference names no arm {a.reference!r};"
                                  f" known: {', '.join(n for n in by_name if n != a.name)}")
            if target.kind != "pretrained" or not target.config.eval.reference_before_training:
                raise ConfigError(f"{source}: arm {a.name!r}: reference {a.reference!r} must be a pretrained-model"
                                  " arm with eval.reference_before_training: true")
    return resolved


def describe_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in flatten(params).items())
