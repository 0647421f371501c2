"""A Trainer callback that reports each evaluation to an Optuna trial and stops a lagging one."""

from __future__ import annotations

from typing import Any

from transformers import TrainerCallback


class PruningCallback(TrainerCallback):
    """``trial.report`` the validation metric after every evaluation; stop training when Optuna's
    pruner says the trial lags the others at that epoch (the run then ends normally, ``pruned``)."""

    def __init__(self, trial: Any, metric: str) -> None:
        self.trial = trial
        self.key = f"eval_{metric}"
        self.pruned = False
        self.reported: set[int] = set()

    def on_evaluate(self, args: Any, state: Any, control: Any, metrics: dict[str, float] | None = None, **kw: Any):
        value = (metrics or {}).get(self.key)
        if value is None:
            return control
        step = max(1, int(round(state.epoch or 0))) if args.eval_strategy == "epoch" else state.global_step
        if step in self.reported:  # a time budget's extra evaluation within the same epoch
            return control
        self.reported.add(step)
        self.trial.report(float(value), step)
        if self.trial.should_prune():
            self.pruned = True
            control.should_training_stop = True
        return control
