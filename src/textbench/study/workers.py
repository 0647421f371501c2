"""Several workers on one study: per-run claims (locks in the study folder) and per-slot resources.

A worker claims a run by holding an exclusive POSIX lock (``fcntl.lockf``) on
``.claims/<arm>/seed-<seed>.lock`` for as long as it trains it. POSIX locks work across
machines on NFS (v4, or v3 with lockd) and are released by the kernel when the holder dies
(``kill -9`` included), so a run left by a dead worker is taken over by the next one.
Two workers never train the same run; a worker that finds a run claimed moves on.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

from textbench.runtime.cpus import CPUS_ENV, apply_cpu_env  # noqa: F401  (re-exported)

CLAIMS = ".claims"


class Claim:
    """An exclusive hold on one run of a study, released by ``release`` or by the process ending."""

    def __init__(self, path: Path, handle: IO[str]) -> None:
        self.path, self._handle = path, handle

    def release(self) -> None:
        if self._handle.closed:
            return
        try:
            fcntl.lockf(self._handle, fcntl.LOCK_UN)
        finally:
            self._handle.close()


def claim_path(study_dir: Path, run_key: str) -> Path:
    return study_dir / CLAIMS / f"{run_key}.lock"


def try_claim(study_dir: Path, run_key: str) -> Claim | None:
    """Claim a run, or None when another worker (process or machine) holds it."""
    path = claim_path(study_dir, run_key)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+", encoding="utf-8")
    try:
        fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"host": socket.gethostname(), "pid": os.getpid(), "since": time.time()}) + "\n")
    handle.flush()
    return Claim(path, handle)


def held_elsewhere(study_dir: Path, run_key: str) -> bool:
    """True while another worker holds the run (checked by briefly trying to claim it)."""
    if not claim_path(study_dir, run_key).exists():
        return False
    claim = try_claim(study_dir, run_key)
    if claim is None:
        return True
    claim.release()
    return False


def holder(study_dir: Path, run_key: str) -> str:
    """Who holds a run, as recorded in its claim file (for messages)."""
    try:
        info = json.loads(claim_path(study_dir, run_key).read_text(encoding="utf-8") or "{}")
        return f"{info.get('host', '?')} pid {info.get('pid', '?')}"
    except (OSError, ValueError):
        return "another worker"


@contextmanager
def setup_lock(study_dir: Path) -> Iterator[None]:
    """Serialise the study-wide writes (study.yaml, data.json, shared tokenizers, the report)."""
    study_dir.mkdir(parents=True, exist_ok=True)
    with open(study_dir / ".setup.lock", "a+", encoding="utf-8") as handle:
        fcntl.lockf(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.lockf(handle, fcntl.LOCK_UN)


def slot_env(slot: int, jobs: int) -> dict[str, str]:
    """Environment for a run in job slot ``slot`` of ``jobs``: its share of GPUs, else of CPU cores."""
    if jobs <= 1:
        return {}
    gpus = _visible_gpus()
    if gpus:
        per = len(gpus) // jobs
        mine = gpus[slot * per:(slot + 1) * per] if per else [gpus[slot % len(gpus)]]
        return {"CUDA_VISIBLE_DEVICES": ",".join(mine)}
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else list(range(os.cpu_count() or 1))
    per = max(1, len(cores) // jobs)
    start = (slot * per) % len(cores)
    mine = cores[start:start + per]
    return {CPUS_ENV: ",".join(str(c) for c in mine), "OMP_NUM_THREADS": str(len(mine))}



def _visible_gpus() -> list[str]:
    listed = os.environ.get("CUDA_VISIBLE_DEVICES")
    if listed is not None:
        return [g for g in listed.split(",") if g.strip()]
    try:
        import torch

        return [str(i) for i in range(torch.cuda.device_count())]
    except Exception:  # pragma: no cover - no torch/CUDA
        return []
