"""``textbench env`` (and ``textbench --version``): versions, and whether they match the tested lock."""

from __future__ import annotations

import argparse
from pathlib import Path

from textbench.errors import ConfigError
from textbench.utils.versions import LOCK_NAME, compare_with_lock, find_lock, library_versions


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("env", help="library versions and whether the install matches the tested lock",
                       description="Print textbench's and its main libraries' versions, and compare every"
                       f" installed package with the lock ({LOCK_NAME}). Example: textbench env")
    e.add_argument("--lock", help=f"lock file to compare with (default: {LOCK_NAME} of this checkout)")
    e.add_argument("--check", action="store_true", help="exit 1 when a locked package is installed at another version")
    e.set_defaults(handler=cmd_env)


def version_lines(lock: Path | None = None) -> list[str]:
    """One line per library, then one line about the lock."""
    versions = library_versions()
    lines = [f"textbench {versions.pop('textbench', '?')}"] + [f"  {k} {v}" for k, v in versions.items()]
    lock = lock or find_lock()
    if lock is None:
        return lines + [f"  lock: no {LOCK_NAME} found (not an editable checkout); nothing to compare"]
    if not lock.is_file():
        raise ConfigError(f"{lock}: lock file not found")
    cmp = compare_with_lock(lock)
    if cmp.matches:
        return lines + [f"  lock: matches {lock}"]
    lines.append(f"  lock: differs from {lock} in {len(cmp.differ)} package(s):")
    lines += [f"    {name} {have} (lock: {locked})" for name, (have, locked) in cmp.differ.items()]
    return lines


def cmd_env(args: argparse.Namespace) -> int:
    lines = version_lines(Path(args.lock) if args.lock else None)
    print("\n".join(lines))
    return 1 if args.check and any(line.startswith("  lock: differs") for line in lines) else 0


class VersionAction(argparse.Action):
    """``--version``: print the versions and exit."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="print textbench's and its libraries' versions, and whether they match the lock")

    def __call__(self, parser: argparse.ArgumentParser, *args: object) -> None:
        print("\n".join(version_lines()))
        parser.exit(0)
