"""Fault injection for the kill tests (active only when TEXTBENCH_TEST_FAULT is set).

``TEXTBENCH_TEST_FAULT=step:N`` kills the process (SIGKILL) after optimiser step N,
``eval:N`` at the N-th evaluation, ``save:N`` in the middle of writing the N-th
checkpoint (its trainer state and weights are cut short first, as a kill during
the write would leave them), ``sigint:N`` sends SIGINT after step N.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from transformers import TrainerCallback

ENV = "TEXTBENCH_TEST_FAULT"


class FaultInjectionCallback(TrainerCallback):
    def __init__(self, spec: str) -> None:
        kind, _, n = spec.partition(":")
        self.kind, self.n = kind, int(n or 1)
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
        if self.kind == "save" and self.saves == self.n:
            ckpt = Path(args.output_dir) / f"checkpoint-{state.global_step}"
            for name in ("trainer_state.json", "model.safetensors"):
                f = ckpt / name
                if f.exists():
                    data = f.read_bytes()
                    f.write_bytes(data[: len(data) // 2])
            os.kill(os.getpid(), signal.SIGKILL)


def fault_callbacks() -> list[TrainerCallback]:
    spec = os.environ.get(ENV)
    return [FaultInjectionCallback(spec)] if spec else []
