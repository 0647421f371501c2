"""Settings as plain mappings: deep merges, dotted keys to nested sections and back."""

from __future__ import annotations

import copy
from typing import Any

from textbench.errors import ConfigError


def deep_merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    """A new mapping: ``top`` over ``base``; nested mappings merge, everything else replaces."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def nest(settings: dict[str, Any], where: str) -> dict[str, Any]:
    """``{"train.epochs": 3, "model": {...}}`` -> a nested mapping (dotted keys split)."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        if not isinstance(key, str) or not key or any(not p for p in key.split(".")):
            raise ConfigError(f"{where}: bad key {key!r}; expected section.key (e.g. train.epochs)")
        parts = key.split(".")
        node: dict[str, Any] = {}
        cur = node
        for p in parts[:-1]:
            cur[p] = {}
            cur = cur[p]
        cur[parts[-1]] = nest(value, f"{where}.{key}") if isinstance(value, dict) else value
        out = deep_merge(out, node)
    return out


def flatten(settings: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested mapping -> ``{dotted.key: value}`` (leaves only)."""
    out: dict[str, Any] = {}
    for key, value in settings.items():
        full = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(flatten(value, full + "."))
        else:
            out[full] = value
    return out


def differing_keys(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    """Dotted keys whose values differ between two nested mappings (a key missing on one side differs)."""
    fa, fb = flatten(a), flatten(b)
    return sorted(k for k in set(fa) | set(fb) if fa.get(k) != fb.get(k))
