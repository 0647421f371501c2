"""Trainer callbacks: wall-clock budget, non-finite loss guard, progress log file."""

from __future__ import annotations

import math
import time
from pathlib import Path

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments

from textbench.errors import NonFiniteLossError
from textbench.utils.io import write_json_atomic


class TimeBudgetCallback(TrainerCallback):
    """Stop cleanly after ``max_minutes`` of training, evaluating and saving first."""

    def __init__(self, max_minutes: float) -> None:
        self.budget_s = max_minutes * 60.0
        self.start: float | None = None
        self.triggered = False

    def on_train_begin(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw):
        self.start = time.monotonic()

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw):
        if self.start is not None and time.monotonic() - self.start >= self.budget_s and not self.triggered:
            self.triggered = True
            control.should_training_stop = True
            control.should_evaluate = True
            control.should_save = True
        return control


class NonFiniteLossCallback(TrainerCallback):
    """Stop the run with a clear message when the loss, the gradient norm or the evaluation loss is
    NaN or infinite (a diverged model is never saved as a result)."""

    WATCHED = {"loss": "training loss", "grad_norm": "gradient norm", "eval_loss": "evaluation loss"}

    def _check(self, values: dict | None, state: TrainerState) -> None:
        for key, what in self.WATCHED.items():
            value = (values or {}).get(key)
            if isinstance(value, (int, float)) and not math.isfinite(float(value)):
                raise NonFiniteLossError(
                    f"{what} became {value} at step {state.global_step}; lower train.learning_rate"
                    " or check the data; the last good checkpoint is kept"
                )

    def on_log(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, logs=None, **kw):
        self._check(logs, state)

    def on_evaluate(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, metrics=None,
                    **kw):
        self._check(metrics, state)


class GracefulInterruptCallback(TrainerCallback):
    """First Ctrl-C: save a checkpoint at the end of the current step and stop; second: stop at once."""

    def __init__(self) -> None:
        self.interrupted = False
        self._previous = None

    def _handler(self, signum, frame):  # noqa: ANN001
        if self.interrupted:
            raise KeyboardInterrupt
        self.interrupted = True

    def on_train_begin(self, args, state, control, **kw):
        import signal
        import threading

        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handler)

    def on_train_end(self, args, state, control, **kw):
        import signal

        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)
            self._previous = None

    def on_step_end(self, args, state, control, **kw):
        if self.interrupted:
            control.should_save = True
            control.should_training_stop = True
        return control


class DistributedStopSyncCallback(TrainerCallback):
    """Under torchrun/accelerate: when one process decides to save, evaluate or stop, all do.

    Time budgets and Ctrl-C are seen by each process at its own moment; without this, one
    process would stop while the others wait in the next collective. Must be the last callback.
    """

    def on_step_end(self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw):
        from textbench.runtime import distributed as dist

        if not dist.is_distributed():
            return control
        control.should_training_stop, control.should_save, control.should_evaluate = dist.any_processes(
            control.should_training_stop, control.should_save, control.should_evaluate)
        return control


class ProgressFileCallback(TrainerCallback):
    """Keep ``path`` (JSON: epoch, step, max_steps, epochs) up to date for whoever watches the run.

    A study reads it to show how far each run got; nobody parses printed logs. Written
    atomically by the main process at every log and epoch end.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def _write(self, args: TrainingArguments, state: TrainerState) -> None:
        if state.is_world_process_zero:
            write_json_atomic(self.path, {"epoch": round(float(state.epoch or 0.0), 4), "step": state.global_step,
                                          "max_steps": state.max_steps, "epochs": args.num_train_epochs})

    def on_log(self, args, state, control, **kwargs):  # type: ignore[override]
        self._write(args, state)

    def on_epoch_end(self, args, state, control, **kwargs):  # type: ignore[override]
        self._write(args, state)
