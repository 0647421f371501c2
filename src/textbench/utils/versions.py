"""Installed library versions, and how they compare with the tested lock (no torch import)."""

from __future__ import annotations

import importlib.metadata as md
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path

LIBRARIES = ("textbench", "torch", "transformers", "peft", "datasets", "tokenizers", "accelerate",
             "scikit-learn", "numpy")
LOCK_NAME = "requirements-lock.txt"
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;#]+)")


def library_versions() -> dict[str, str]:
    """Python's and the main libraries' versions (those installed)."""
    out = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            out[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    return out


def canonical(name: str) -> str:
    """PEP 503 name: lower case, runs of -_. as one dash."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_lock(path: Path) -> dict[str, str]:
    """``{canonical name: version}`` of every ``name==version`` line of a pip-compile lock."""
    pins: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        m = _PIN.match(line.strip())
        if m:
            pins[canonical(m.group(1))] = m.group(2)
    return pins


def find_lock() -> Path | None:
    """The lock beside an editable checkout of textbench (a wheel install ships none)."""
    root = Path(__file__).resolve().parents[3]  # src/textbench/utils/versions.py -> checkout
    path = root / LOCK_NAME
    return path if path.is_file() else None


def same_version(installed: str, locked: str) -> bool:
    """``2.13.0+cpu`` matches a lock's ``2.13.0`` (a local build of the same release)."""
    return installed == locked or installed.split("+", 1)[0] == locked


@dataclass
class LockComparison:
    """Locked packages that are installed at another version, or not installed."""

    lock: Path
    differ: dict[str, tuple[str, str]] = field(default_factory=dict)  # name -> (installed, locked)
    missing: list[str] = field(default_factory=list)  # locked but absent (fine for unused extras)

    @property
    def matches(self) -> bool:
        return not self.differ


def compare_with_lock(lock: Path) -> LockComparison:
    installed = {canonical(d.metadata["Name"]): d.version for d in md.distributions() if d.metadata["Name"]}
    out = LockComparison(lock)
    for name, locked in sorted(read_lock(lock).items()):
        have = installed.get(name)
        if have is None:
            out.missing.append(name)
        elif not same_version(have, locked):
            out.differ[name] = (have, locked)
    return out
