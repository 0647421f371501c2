"""String-keyed registries for swappable parts; unknown keys fail loudly."""

from __future__ import annotations

from typing import Callable, Generic, Iterator, TypeVar

from textbench.errors import ConfigError

T = TypeVar("T")


class Registry(Generic[T]):
    """A name -> object mapping whose lookups name the known keys on failure."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}

    def register(self, name: str) -> Callable[[T], T]:
        def deco(obj: T) -> T:
            if name in self._items:
                raise ValueError(f"{self.kind} {name!r} registered twice")
            self._items[name] = obj
            return obj

        return deco

    def add(self, name: str, obj: T) -> None:
        self.register(name)(obj)

    def get(self, name: str, *, setting: str | None = None) -> T:
        if name not in self._items:
            where = f" (setting {setting})" if setting else ""
            raise ConfigError(
                f"unknown {self.kind} {name!r}{where}; known: {', '.join(sorted(self._items))}"
            )
        return self._items[name]

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._items))

    def names(self) -> list[str]:
        return sorted(self._items)
