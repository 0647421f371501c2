"""Fault injection for the kill and storage tests, installed from outside textbench's code.

`install` patches a process: a Trainer callback for the step/eval/save faults, and the
temporary-file creation of textbench's atomic writes for the file-name storage faults.
`tests/helpers/faulty_textbench.py SPEC ARGS` runs the CLI in such a process.

``step:N`` kills the process (SIGKILL) after optimiser step N,
``eval:N`` at the N-th evaluation, ``save:N`` in the middle of writing the N-th
checkpoint (its trainer state and weights are cut short first, as a kill during
the write would leave them), ``sigint:N`` (``sigterm:N``) sends SIGINT (SIGTERM) after step N.

Storage faults raise the ``OSError`` a full or read-only disk gives:

- ``enospc:N`` (also ``edquot:N``, ``erofs:N``): writing the N-th checkpoint fails; its
  trainer state and weights are cut short first, as a write that ran out of space
  leaves them, and the error names the weights file;
- ``enospc:NAME`` (also ``edquot:NAME``, ``erofs:NAME``): the atomic write of the run
  file called NAME (``config.yaml``, ``manifest.json``, ``test_metrics.json``, ...) fails
  (``textbench.utils.io.write_text_atomic`` creates ``.NAME.*.tmp`` first, as a real disk
  would refuse).
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

from transformers import TrainerCallback

STORAGE_FAULTS = {"enospc": errno.ENOSPC, "edquot": errno.EDQUOT, "erofs": errno.EROFS}


def storage_fault(code: int, path: str | Path) -> OSError:
    return OSError(code, os.strerror(code), str(path))


def _cut_short(ckpt: Path) -> None:
    for name in ("trainer_state.json", "model.safetensors"):
        f = ckpt / name
        if f.exists():
            data = f.read_bytes()
            f.write_bytes(data[: len(data) // 2])


def failing_mkstemp(kind: str, name: str, mkstemp: Callable[..., Any] = tempfile.mkstemp) -> Callable[..., Any]:
    """``tempfile.mkstemp`` that fails as a full or read-only disk would for the atomic write of ``name``."""

    def fake(*args: Any, prefix: str | None = None, dir: Any = None, **kwargs: Any) -> Any:
        if prefix == f".{name}.":
            raise storage_fault(STORAGE_FAULTS[kind], Path(dir or ".") / name)
        return mkstemp(*args, prefix=prefix, dir=dir, **kwargs)

    return fake


class FaultInjectionCallback(TrainerCallback):
    def __init__(self, spec: str) -> None:
        kind, _, n = spec.partition(":")
        self.kind = kind
        self.n = int(n) if n.isdigit() else (1 if not n else -1)  # -1: a file-name spec (check_write)
        self.evals = self.saves = 0

    def on_step_end(self, args, state, control, **kw):
        if self.kind == "step" and state.global_step == self.n:
            os.kill(os.getpid(), signal.SIGKILL)
        if self.kind in ("sigint", "sigterm") and state.global_step == self.n:
            os.kill(os.getpid(), signal.SIGINT if self.kind == "sigint" else signal.SIGTERM)

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


@contextlib.contextmanager
def injected(spec: str) -> Iterator[None]:
    """Patch this process, while inside, so the fault named by ``spec`` happens."""
    from textbench.training.trainer import TextbenchTrainer

    kind, _, arg = spec.partition(":")
    if kind in STORAGE_FAULTS and arg and not arg.isdigit():
        mkstemp = tempfile.mkstemp
        tempfile.mkstemp = failing_mkstemp(kind, arg, mkstemp)
        try:
            yield
        finally:
            tempfile.mkstemp = mkstemp
        return
    init = TextbenchTrainer.__init__

    def with_fault(self: TextbenchTrainer, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.add_callback(FaultInjectionCallback(spec))

    TextbenchTrainer.__init__ = with_fault
    try:
        yield
    finally:
        TextbenchTrainer.__init__ = init
