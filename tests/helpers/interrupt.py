"""Ctrl-C in the middle of training, in-process: KeyboardInterrupt from the N-th training step."""

from __future__ import annotations

from typing import Any


def interrupt_at_step(monkeypatch: Any, n: int) -> None:
    """Make ``TextbenchTrainer.training_step`` raise KeyboardInterrupt on its ``n``-th call."""
    from textbench.training import trainer as trainer_mod

    original = trainer_mod.TextbenchTrainer.training_step
    calls = {"n": 0}

    def flaky(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return original(self, *a, **k)

    monkeypatch.setattr(trainer_mod.TextbenchTrainer, "training_step", flaky)
