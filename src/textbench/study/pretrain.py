"""An arm's ``pretrain:`` block -> a `textbench pretrain` config for one seed.

The pretraining run uses the arm's data, tokenizer settings and architecture; the block
(a partial pretrain config: ``mlm``, ``train``, ...) is merged over them. The arm's
fine-tuning run then starts from it (``model.from_pretraining_run``) and uses its tokenizer.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

from textbench.errors import ConfigError
from textbench.config.mappings import deep_merge
from textbench.utils.io import write_yaml_atomic


def pretrain_raw(settings: dict[str, Any], block: dict[str, Any], seed: int | None = None,
                 out_dir: Path | None = None, name: str | None = None) -> dict[str, Any]:
    """The pretrain config mapping for an arm's settings and its block."""
    tokenizer = {k: v for k, v in settings["tokenizer"].items() if v is not None}
    base = {
        "data": dict(settings["data"]),
        "tokenizer": tokenizer,
        "model": {"kind": "scratch", "architecture": dict(settings["model"].get("architecture") or {})},
    }
    raw = deep_merge(base, block)
    if seed is not None:
        raw["train"] = {**(raw.get("train") or {}), "seed": seed}
    if out_dir is not None:
        raw["output"] = {"dir": str(out_dir), "name": name, "if_exists": "error"}
    return raw


def validate_pretrain(settings: dict[str, Any], block: dict[str, Any], where: str) -> None:
    """Check the block against `textbench pretrain`'s config loader."""
    from textbench.pretraining import load_pretrain_config

    if settings["model"]["kind"] != "scratch":
        raise ConfigError(f"{where}.pretrain: only from-scratch arms (model.kind: scratch) can be pretrained")
    with tempfile.TemporaryDirectory(prefix="textbench-pretrain-") as tmp:
        path = Path(tmp) / "pretrain.yaml"
        write_yaml_atomic(path, pretrain_raw(settings, block, seed=0))
        try:
            load_pretrain_config(path)
        except ConfigError as e:
            raise ConfigError(f"{where}.pretrain: {str(e).replace(str(path) + ': ', '')}", hint=e.hint) from None


def finetune_from(cfg: Any, pretrain_dir: Path) -> Any:
    """The arm's run config (a `RunConfig`), set to start from the pretraining run and use its tokenizer."""
    return dataclasses.replace(
        cfg, model=dataclasses.replace(cfg.model, from_pretraining_run=str(pretrain_dir)),
        tokenizer=dataclasses.replace(cfg.tokenizer, train=None, name_or_path=None))
