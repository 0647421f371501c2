"""Sweeps: grid expansion of an arm into named variants (dotted keys and merges: config/mappings.py).

A sweep is either a mapping ``{dotted.key: [v1, v2, ...], ...}`` (every combination,
keys varying in file order) or a list of mappings of paired settings
``[{method.r: 4, method.alpha: 16}, {method.r: 8, method.alpha: 32}]``; a paired
entry may carry ``name`` to choose its suffix. Variant names are
``<arm>-<suffix>``: a string value is used as is (``mha``), a number gets a short
key prefix (``r4``, ``lr0.0002``), a training fraction becomes a percentage (``frac25``).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from textbench.config.mappings import flatten, nest
from textbench.errors import ConfigError

# short prefixes for numeric values in variant names
KEY_ALIASES = {
    "train_fraction": "frac",
    "max_train_samples": "n",
    "learning_rate": "lr",
    "num_hidden_layers": "L",
    "num_attention_heads": "H",
    "hidden_size": "d",
    "num_virtual_tokens": "vt",
    "trainable_layers": "top",
    "weight_decay": "wd",
}


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def suffix_for(params: dict[str, Any]) -> str:
    """A readable name suffix for one variant's settings."""
    parts = []
    for key, value in params.items():
        last = key.split(".")[-1]
        if isinstance(value, str):
            parts.append(value)
        elif last == "train_fraction" and isinstance(value, (int, float)):
            parts.append(f"frac{float(value) * 100:g}")
        elif isinstance(value, (list, dict)) or value is None:
            parts.append(f"{KEY_ALIASES.get(last, last)}-{_value_text(value)}")
        else:
            alias = KEY_ALIASES.get(last, last)
            sep = "-" if isinstance(value, bool) else ""
            parts.append(f"{alias}{sep}{_value_text(value)}")
    text = "-".join(parts)
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", text).strip("_") or "variant"


@dataclass
class Variant:
    suffix: str | None  # None: the arm was not swept
    params: dict[str, Any]  # dotted key -> value set by the sweep


def expand_sweep(sweep: dict[str, list[Any]] | list[dict[str, Any]] | None, where: str) -> list[Variant]:
    """The variants of one arm, in order (one unnamed variant when there is no sweep)."""
    if not sweep:
        return [Variant(None, {})]
    if isinstance(sweep, dict):
        keys = list(sweep)
        for k in keys:
            nest({k: 0}, f"{where}.sweep")  # checks the key's form
            if not isinstance(sweep[k], list):
                raise ConfigError(f"{where}.sweep.{k}: expected a list of values, got {sweep[k]!r}")
        combos = itertools.product(*(sweep[k] for k in keys))
        variants = []
        for combo in combos:
            params = dict(zip(keys, combo))
            variants.append(Variant(suffix_for(params), params))
        return variants
    variants = []
    for i, item in enumerate(sweep):
        item = dict(item)
        name = item.pop("name", None)
        if not item:
            raise ConfigError(f"{where}.sweep[{i}]: no settings besides 'name'")
        params = flatten(nest(item, f"{where}.sweep[{i}]"))
        if name is not None:
            name = str(name)
        variants.append(Variant(name or suffix_for(params), params))
    return variants
