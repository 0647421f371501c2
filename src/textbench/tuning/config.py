"""``tune:`` in a study file: the budget every model arm gets, and the search's settings.

```yaml
tune:
  trials: 8                 # per model arm, equal for all (complete + pruned trials count)
  max_minutes: 30           # and/or a wall-clock budget per arm's search; the first reached binds
  sampler: tpe              # tpe | random
  pruner: median            # median | none (stops trials whose validation score lags)
  max_parameters: null      # from-scratch arms: largest model a trial may build (default: the arm's own size)
  storage: null             # default: SQLite in the study folder; or a database URL
  arms: null                # arm names to tune (default: every model arm)
  space:                    # per arm (or sweep group): dotted key -> a range or a list of choices
    lora: {train.learning_rate: {low: 1.0e-4, high: 3.0e-3, log: true}, method.r: [4, 8, 16]}
```
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from textbench.errors import ConfigError


@dataclass
class TuneConfig:
    trials: int = 8  # per model arm, equal for all (complete and pruned trials count)
    max_minutes: float | None = None  # and/or a wall-clock budget per arm's search; the first reached binds
    sampler: Literal["tpe", "random"] = "tpe"  # Optuna sampler
    pruner: Literal["median", "none"] = "median"  # stops trials whose validation score lags (from epoch 2)
    storage: str | None = None  # Optuna storage URL (default: SQLite in <study>/tuning/)
    arms: list[str] | None = None  # arm names to tune (default: every model arm)
    space: dict[str, dict[str, Any]] = field(default_factory=dict)  # per arm: dotted key -> range or choices
    startup_trials: int = 3  # random trials before TPE models the space, and before pruning starts
    max_parameters: int | None = None  # from-scratch arms' parameter budget; None: each arm's configured size

    def validate(self, where: str) -> None:
        if self.trials < 1:
            raise ConfigError(f"{where}.trials: must be >= 1, got {self.trials}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ConfigError(f"{where}.max_minutes: must be > 0, got {self.max_minutes}")
        if self.startup_trials < 0:
            raise ConfigError(f"{where}.startup_trials: must be >= 0, got {self.startup_trials}")
        if self.max_parameters is not None and self.max_parameters < 1:
            raise ConfigError(f"{where}.max_parameters: must be >= 1 or null, got {self.max_parameters}")
        from textbench.tuning.space import parse_space

        for arm, raw in self.space.items():
            parse_space(raw, f"{where}.space.{arm}")
