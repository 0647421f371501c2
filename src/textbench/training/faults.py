"""Fault injection for the kill and storage tests (active only when TEXTBENCH_TEST_FAULT is set).

``TEXTBENCH_TEST_FAULT=step:N`` kills the process (SIGKILL) after optimiser step N,
``eval:N`` at the N-th evaluation, ``save:N`` in the middle of writing the N-th
checkpoint (its trainer state and weights are cut short first, as a kill during
the write would leave them), ``sigint:N`` sends SIGINT after step N.

Storage faults raise the ``OSError`` a full or read-only disk gives:

- ``enospc:N`` (also ``edquot:N``, ``erofs:N``): writing the N-th checkpoint fails; its
  trainer state and weights are cut short first, as a write that ran out of space
  leaves them, and the error names the weights file;
- ``enospc:NAME`` (also ``edquot:NAME``, ``erofs:NAME``): the atomic write of the run
  file called NAME (``config.yaml``, ``manifest.json``, ``test_metrics.json``, ...) fails
  (see :func:`check_write`, called by ``textbench.utils.io.write_text_atomic``).
"""

from __future__ import annotations

import errno
import os
import signal
from pathlib import Path

from transformers import TrainerCallback

ENV = "TEXTBENCH_TEST_FAULT"
STORAGE_FAULTS = {"enospc": errno.ENOSPC, "edquot": errno.EDQUOT, "erofs": errno.EROFS}


def storage_fault(code: int, path: str | Path) -> OSError:
    return OSError(code, os.strerror(code), str(path))


def _cut_short(ckpt: Path) -> None:
    for name in ("trainer_state.json", "model.safetensors"):
        f = ckpt / name
        if f.exists():
            data = f.read_bytes()
            f.write_bytes(data[: len(data) // 2])


def check_write(path: str | Path) -> None:
    """Raise the injected storage error when ``path`` is the file named by the fault spec."""
    kind, _, arg = os.environ.get(ENV, "").partition(":")
    if kind in STORAGE_FAULTS and arg and not arg.isdigit() and Path(path).name == arg:
        raise storage_fault(STORAGE_FAULTS[kind], path)


class FaultInjectionCallback(TrainerCallback):
    def __init__(self, spec: str) -> None:
        kind, _, n = spec.partition(":")
        self.kind = kind
        self.n = int(n) if n.isdigit() else (1 if not n else -1)  # -1: a file-name spec (check_write)
        self.evals = self.saves = 0

    def on_step_end(self, args, state, control, **kw):
        if self.kind == "step" and state.global_step == self.n:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.kind == "sigint" and state.global_step == self.n:
            os.kill(os.getpid(), signal.SIGINT)

    def on_evaluate(self, args, state, control, **kw):
        self.evals += 1
        if self.kind == "eval" and self.evals == self.n:
            os.kill(os.getpid(), signal.SIGKILL)

    def on_save(self, args, state, control, **kw):
        self.saves += 1
        if self.saves != self.n:
            return
        ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
        if self.kind == "save":
            _cut_short(ckpt)
            os.kill(os.getpid(), signal.SIGKILL)
        if self.kind in STORAGE_FAULTS:
            _cut_short(ckpt)
            raise storage_fault(STORAGE_FAULTS[self.kind], ckpt / "model.safetensors")


def fault_callbacks() -> list[TrainerCallback]:
    spec = os.environ.get(ENV)
    return [FaultInjectionCallback(spec)] if spec else []
