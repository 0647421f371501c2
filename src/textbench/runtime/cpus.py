"""The cores a run of a parallel study may use (read by the CLI before torch starts its threads)."""

from __future__ import annotations

import os

CPUS_ENV = "TEXTBENCH_CPUS"  # comma-separated core ids, set by the study for each of its runs
THREADS_ENV = "TEXTBENCH_THREADS"  # torch threads of a run whose config leaves train.threads unset (Ray: its CPUs)


def threads_from_env() -> int | None:
    """The thread count a study's executor gave this run, if any."""
    try:
        n = int(os.environ.get(THREADS_ENV, ""))
    except ValueError:
        return None
    return n if n > 0 else None


def apply_cpu_env() -> None:
    """In a child started by a parallel study: keep to the cores of its slot."""
    spec = os.environ.get(CPUS_ENV)
    if not spec or not hasattr(os, "sched_setaffinity"):
        return
    try:
        os.sched_setaffinity(0, {int(c) for c in spec.split(",") if c.strip()})
    except (ValueError, OSError):
        pass
