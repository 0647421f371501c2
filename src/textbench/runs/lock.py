"""One writer per run folder: an exclusive lock held by the process that trains the run.

``<run>/.lock`` is locked with ``flock`` for as long as the run's process works in the
folder and holds that process's PID. The operating system releases the lock when the
process dies (even by kill -9), so a dead run can be resumed, while a second process
that tries to train the same folder is refused with the holder's PID.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from textbench.errors import RunError

LOCK_FILE = ".lock"

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: no lock (one process per run is then the user's care)
    fcntl = None  # type: ignore[assignment]


def _try_lock(run_dir: Path) -> IO[str] | None:
    """The open, locked lock file; None when another process holds the lock."""
    f = open(run_dir / LOCK_FILE, "a+", encoding="utf-8")
    try:
        fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return None
    return f


def lock_holder(run_dir: Path) -> str | None:
    """The PID of a live process holding ``run_dir``'s lock, or None when no process trains it."""
    if fcntl is None or not (run_dir / LOCK_FILE).is_file():
        return None
    f = _try_lock(run_dir)
    if f is not None:
        f.close()  # closing releases it
        return None
    try:
        return (run_dir / LOCK_FILE).read_text(encoding="utf-8").strip() or "?"
    except OSError:
        return "?"


def busy_message(run_dir: Path, pid: str) -> str:
    return (f"{run_dir}: the run is being trained by process {pid}; wait for it to finish, or stop it"
            f" (kill {pid}) and then continue it with --resume")


@contextmanager
def hold_run_lock(run_dir: Path) -> Iterator[None]:
    """Hold ``run_dir``'s lock for the block; RunError naming the holder when another process has it."""
    if fcntl is None:
        yield
        return
    f = _try_lock(run_dir)
    if f is None:
        raise RunError(busy_message(run_dir, lock_holder(run_dir) or "?"))
    try:
        f.seek(0)
        f.truncate()
        f.write(f"{os.getpid()}\n")
        f.flush()
        yield
    finally:
        f.close()
