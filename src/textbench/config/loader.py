"""Strict YAML -> dataclass loading: unknown keys and wrong types are errors."""

from __future__ import annotations

import dataclasses
import difflib
import math
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

import yaml

from textbench.errors import ConfigError

T = TypeVar("T")


class _StrictLoader(yaml.SafeLoader):
    """The safe loader, refusing a key given twice in one mapping (a second ``train:`` would replace the first)."""


def _mapping_without_duplicates(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    first_line: dict[Any, int] = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in first_line:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r} (first on line {first_line[key] + 1})", key_node.start_mark)
        first_line[key] = key_node.start_mark.line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def load_yaml(path: str | Path) -> dict[str, Any]:
    """Read a YAML mapping with the safe loader; errors name the file."""
    p = Path(path)
    if not p.exists():
        raise ConfigError(f"{p}: config file not found")
    if p.is_dir():
        raise ConfigError(f"{p}: is a folder, expected a YAML file")
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise ConfigError(f"{p}: not UTF-8 text (byte {e.start})") from None
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise ConfigError(f"{p}:{where}: invalid YAML: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: expected a mapping of sections at the top level, got {type(data).__name__}")
    return data


def _type_name(tp: Any) -> str:
    origin = get_origin(tp)
    if origin is Literal:
        return " | ".join(repr(a) for a in get_args(tp))
    if origin in (Union, types.UnionType):
        return " | ".join(_type_name(a) for a in get_args(tp))
    if origin in (list, tuple):
        args = get_args(tp)
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    if tp is type(None):
        return "null"
    if tp is float:
        return "number"
    if tp is int:
        return "integer"
    if tp is bool:
        return "true/false"
    if tp is str:
        return "string"
    if dataclasses.is_dataclass(tp):
        return "mapping"
    return getattr(tp, "__name__", str(tp))


def _convert(value: Any, tp: Any, where: str) -> Any:
    origin = get_origin(tp)
    if tp is Any:
        return value
    if origin in (Union, types.UnionType):
        args = get_args(tp)
        if value is None and type(None) in args:
            return None
        others = [a for a in args if a is not type(None)]
        if len(others) == 1:  # X | None: X's own error (it names the key inside a section)
            return _convert(value, others[0], where)
        errors = []
        # try non-str types first so "3" for int|str stays int only when int is listed first
        for a in args:
            if a is type(None):
                continue
            try:
                return _convert(value, a, where)
            except ConfigError as e:
                errors.append(e)
        raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
    if origin is Literal:
        if value in get_args(tp):
            return value
        raise ConfigError(f"{where}: expected one of {_type_name(tp)}, got {value!r}")
    if tp is type(None):
        if value is None:
            return None
        raise ConfigError(f"{where}: expected null, got {value!r}")
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{where}: expected true/false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ConfigError(f"{where}: expected an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            f = float(value)
        elif isinstance(value, str):  # YAML 1.1 reads 3e-4 as a string
            try:
                f = float(value)
            except ValueError:
                raise ConfigError(f"{where}: expected a number, got {value!r}") from None
        else:
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        if math.isnan(f):
            raise ConfigError(f"{where}: expected a number, got NaN")
        return f
    if tp is str:
        if isinstance(value, str):
            return value
        raise ConfigError(f"{where}: expected a string, got {value!r}")
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected {_type_name(tp)}, got {value!r}")
        (item_tp,) = get_args(tp)[:1] or (Any,)
        return [_convert(v, item_tp, f"{where}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}")
        k_tp, v_tp = get_args(tp) or (Any, Any)
        return {_convert(k, k_tp, where): _convert(v, v_tp, f"{where}.{k}") for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return from_dict(tp, value, where)
    raise ConfigError(f"{where}: unsupported config type {tp!r}")


def _join(where: str, key: Any) -> str:
    return f"{where}.{key}" if where else str(key)


def from_dict(cls: type[T], data: Any, where: str = "") -> T:
    """Build dataclass ``cls`` from a mapping; unknown keys and wrong types raise ConfigError.

    A class with a ``from_config(data, where, parse)`` classmethod parses itself (a section
    whose keys depend on a value in it, like ``method:``); ``parse`` is this function.
    """
    custom = getattr(cls, "from_config", None)
    if custom is not None:
        return custom(data, where or "config", from_dict)
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(
                f"unknown key {_join(where, key)!r}{hint}; known keys{' in ' + where if where else ''}:"
                f" {', '.join(fields)}"
            )
    kwargs = {
        name: _convert(data[name], hints[name], _join(where, name)) for name in fields if name in data
    }
    obj = cls(**kwargs)
    check = getattr(obj, "validate", None)
    if callable(check):
        import inspect

        if inspect.signature(check).parameters:
            check(where or "config")
        else:
            check()
    return obj


def load_dataclass(cls: type[T], raw: dict[str, Any], source: str | Path | None,
                   overrides: list[str] | None = None) -> T:
    """``from_dict`` whose errors are prefixed with where the bad value came from: the ``--set``
    override that gave it, else the file."""
    try:
        return from_dict(cls, raw)
    except ConfigError as e:
        msg = str(e)
        for item in overrides or []:
            key = item.split("=", 1)[0].strip()
            if msg.startswith(f"{key}:") or msg.startswith(f"{key} "):
                shown = item if len(item) <= 80 else item[:77] + "..."
                raise ConfigError(f"--set {shown}: {msg[len(key):].lstrip(': ')}", hint=e.hint) from None
        if source is None:
            raise
        raise ConfigError(f"{source}: {e}", hint=e.hint) from None


def to_dict(obj: Any) -> Any:
    """Dataclass -> plain dict (for saving the resolved config); ``to_config()`` where a class has one."""
    custom = getattr(obj, "to_config", None)
    if custom is not None and dataclasses.is_dataclass(obj):
        return to_dict(custom())
    if dataclasses.is_dataclass(obj):
        return {f.name: to_dict(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_dict(v) for v in obj]
    if isinstance(obj, dict):
        return {k: to_dict(v) for k, v in obj.items()}
    return obj


def apply_overrides(data: dict[str, Any], overrides: list[str], where: str = "--set") -> dict[str, Any]:
    """Apply ``section.key=value`` overrides (value parsed as YAML) to a raw config mapping."""
    out = dict(data)
    for item in overrides:
        if "=" not in item:
            raise ConfigError(f"{where} {item!r}: expected KEY=VALUE, e.g. train.learning_rate=3e-4")
        key, raw = item.split("=", 1)
        parts = [p for p in key.strip().split(".") if p]
        if not parts:
            raise ConfigError(f"{where} {item!r}: empty key")
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        node = out
        for p in parts[:-1]:
            child = node.get(p)
            if child is None:
                child = {}
            elif not isinstance(child, dict):
                raise ConfigError(f"{where} {item!r}: {p!r} is not a section")
            else:
                child = dict(child)
            node[p] = child
            node = child
        node[parts[-1]] = value
    return out
