"""``method:`` in a run config: the method's name, its own settings, a head learning rate.

The YAML stays flat (``method: {name: lora, r: 8, alpha: 16}``); the keys besides
``name`` and ``head_learning_rate`` are the chosen method's settings dataclass, checked
strictly: a key another method takes is an error naming the keys this one takes.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any, Callable

from textbench.errors import ConfigError
from textbench.methods.registry import MethodSpec, method_names, method_spec

SHARED_KEYS = ("name", "head_learning_rate")


@dataclass
class _Shared:
    name: str = "full"
    head_learning_rate: float | None = None  # the classification head's learning rate (None = train's)

    def validate(self, where: str) -> None:
        if self.head_learning_rate is not None and self.head_learning_rate <= 0:
            raise ConfigError(f"{where}.head_learning_rate: must be > 0, got {self.head_learning_rate}")


@dataclass
class MethodConfig:
    """How to train: which parameters move (``name``) and the method's own ``settings``."""

    name: str = "full"
    head_learning_rate: float | None = None
    settings: Any = field(default=None)  # the method's settings dataclass; None = its defaults

    def __post_init__(self) -> None:
        if self.settings is None:
            self.settings = self.spec.settings()
        elif not isinstance(self.settings, self.spec.settings):
            raise TypeError(f"method {self.name!r} takes {self.spec.settings.__name__}, got {self.settings!r}")

    @classmethod
    def of(cls, name: str, head_learning_rate: float | None = None, **settings: Any) -> "MethodConfig":
        """``MethodConfig.of("lora", r=4)``: the method with these settings, validated."""
        _check_keys(name, settings, "method")
        values = method_spec(name).settings(**settings)
        check = getattr(values, "validate", None)
        if callable(check):
            check("method")
        _Shared(name, head_learning_rate).validate("method")
        return cls(name, head_learning_rate, values)

    @property
    def spec(self) -> MethodSpec:
        return method_spec(self.name)

    def describe(self) -> str:
        return self.spec.describe(self.settings)

    # -- the strict YAML loader's hooks (textbench.config.loader) --

    @classmethod
    def from_config(cls, data: Any, where: str, parse: Callable[..., Any]) -> "MethodConfig":
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise ConfigError(f"{where}: expected a mapping, got {data!r}")
        shared = parse(_Shared, {k: v for k, v in data.items() if k in SHARED_KEYS}, where)
        if shared.name not in method_names():
            close = difflib.get_close_matches(shared.name, method_names(), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{where}.name: unknown method {shared.name!r}{hint}; known: {', '.join(method_names())}")
        own = {k: v for k, v in data.items() if k not in SHARED_KEYS}
        _check_keys(shared.name, own, where)
        return cls(shared.name, shared.head_learning_rate, parse(method_spec(shared.name).settings, own, where))

    def to_config(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name}
        out.update({f.name: getattr(self.settings, f.name) for f in dataclasses.fields(self.settings)})
        out["head_learning_rate"] = self.head_learning_rate
        return out


def _check_keys(name: str, keys: Any, where: str) -> None:
    """A key of another method is an error naming the keys this method takes."""
    known = [f.name for f in dataclasses.fields(method_spec(name).settings)]
    for key in keys:
        if key not in known:
            takes = ", ".join([*SHARED_KEYS, *known])
            raise ConfigError(f"unknown key '{where}.{key}' for method {name}; it takes: {takes}")
