"""Search spaces: dotted run-config keys -> a range or a list of choices.

Defaults per arm: the learning rate (``MethodSpec.learning_rates``; a wider, higher range for
from-scratch models training every weight), epochs, warmup and weight decay, plus the
method's own settings (``MethodSpec.search_space``); a from-scratch model also searches its
depth and width within a parameter budget (``scratch_shape.py``). A user's
``tune.space.<arm>`` entry replaces the default of the keys it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textbench.config.mappings import nest
from textbench.errors import ConfigError


@dataclass(frozen=True)
class Param:
    """One searched setting: a float or int range (``log`` for log-uniform) or categorical ``choices``."""

    key: str  # dotted run-config key, e.g. train.learning_rate
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False
    choices: tuple[Any, ...] | None = None

    def suggest(self, trial: Any) -> Any:
        if self.choices is not None:
            return trial.suggest_categorical(self.key, list(self.choices))
        if self.integer:
            return trial.suggest_int(self.key, int(self.low), int(self.high), log=self.log)
        return trial.suggest_float(self.key, float(self.low), float(self.high), log=self.log)

    def describe(self) -> str:
        if self.choices is not None:
            return "one of " + ", ".join(map(str, self.choices))
        kind = "log-uniform" if self.log else "uniform"
        return f"{'integer ' if self.integer else ''}{kind} {self.low:g} to {self.high:g}"


def parse_param(key: str, raw: Any, where: str) -> Param:
    if "." not in key:
        raise ConfigError(f"{where}.{key}: give a dotted run-config key such as train.learning_rate")
    if key.split(".", 1)[0] in ("data", "output") or key == "train.seed":
        raise ConfigError(f"{where}.{key}: data, output and seeds are the study's, not searched")
    if isinstance(raw, list):
        if not raw:
            raise ConfigError(f"{where}.{key}: empty list of choices")
        return Param(key, choices=tuple(raw))
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}.{key}: expected a list of choices or {{low, high, log, int}}, got {raw!r}")
    unknown = set(raw) - {"low", "high", "log", "int"}
    if unknown:
        raise ConfigError(f"{where}.{key}: unknown key {sorted(unknown)[0]!r}; known: low, high, log, int")
    try:
        low, high = float(raw["low"]), float(raw["high"])
    except (KeyError, TypeError, ValueError):
        raise ConfigError(f"{where}.{key}: needs numbers low and high, got {raw!r}") from None
    log, integer = bool(raw.get("log", False)), bool(raw.get("int", False))
    if not low < high:
        raise ConfigError(f"{where}.{key}: low must be below high, got {low:g} and {high:g}")
    if log and low <= 0:
        raise ConfigError(f"{where}.{key}: a log range needs low > 0, got {low:g}")
    return Param(key, low, high, log, integer)


def parse_space(raw: Any, where: str) -> dict[str, Param]:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping of dotted keys to ranges or choices, got {raw!r}")
    return {key: parse_param(key, value, where) for key, value in raw.items()}


SCRATCH_LEARNING_RATES = (1e-4, 3e-3)  # a from-scratch model training every weight takes larger steps


def default_space(cfg: Any) -> dict[str, Param]:
    """What a model arm searches when the study names nothing: see the module docstring."""
    method = cfg.method
    spec = method.spec
    scratch = cfg.model.kind == "scratch" and not cfg.model.from_pretraining_run and spec.trains_all_weights
    low, high = SCRATCH_LEARNING_RATES if scratch else spec.learning_rates
    epochs = max(2, int(round(cfg.train.epochs)))
    space = {
        "train.learning_rate": Param("train.learning_rate", low, high, log=True),
        "train.epochs": Param("train.epochs", max(1, epochs // 2), epochs * 2, integer=True),
        "train.warmup_ratio": Param("train.warmup_ratio", 0.0, 0.2),
        "train.weight_decay": Param("train.weight_decay", 0.0, 0.1),
    }
    own = spec.search_space or {}
    space.update(parse_space({f"method.{k}": v for k, v in own.items()}, f"method {method.name} search space"))
    if scratch:
        from textbench.tuning.scratch_shape import shape_space

        space.update(shape_space(cfg))
    return space


def arm_space(cfg: Any, user: dict[str, Any] | None, where: str) -> dict[str, Param]:
    """The default space of ``cfg`` with the user's entries replacing the keys they name."""
    space = default_space(cfg)
    space.update(parse_space(user or {}, where))
    return space


def nest_values(values: dict[str, Any]) -> dict[str, Any]:
    """{"train.learning_rate": 1e-4, "method.r": 8} -> {"train": {...}, "method": {...}}."""
    return nest(values, "tune.space")
