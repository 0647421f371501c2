"""Run kinds by name: how each reads its config and runs it.

`textbench train` / `pretrain` / `baseline`, the study (inline or through
``textbench worker KIND CONFIG``, its one entry point for a child process) and any later
kind (a tuning trial) start runs through here. Config loading and the run-folder check come
first and import no torch, so a bad file or a busy, existing or missing run folder fails fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from textbench.runs.engine import check_resume_config
from textbench.runs.folder import check_run_dir
from textbench.runs.naming import (FINETUNE_RESUME_COMMAND, FINETUNE_RESUME_SECTIONS, PRETRAIN_RESUME_COMMAND,
                                   PRETRAIN_RESUME_SECTIONS, baseline_run_name, finetune_run_name, pretrain_run_name)
from textbench.utils.registry import Registry


@dataclass(frozen=True)
class RunKind:
    name: str
    load_config: Callable[[str | Path, list[str]], Any]  # (YAML file, --set overrides) -> typed config
    run: Callable[..., Any]  # (config, *, resume, quiet, prepared) -> a result with .run_dir
    launchable: bool  # may run under torchrun / accelerate launch
    default_name: Callable[[Any], str]  # the run folder's name when output.name is not given
    resume_sections: tuple[str, ...] = ()  # config sections a resume must share with the run (none: restarts)
    resume_command: str = ""  # suggested when a resume is refused for other settings

    def check_folder(self, cfg: Any, *, resume: bool = False) -> None:
        """Refuse now what claiming the run folder would refuse later: busy, exists, nothing to
        resume, or a resume with other settings than the run was started with."""
        out = cfg.output
        path, resuming = check_run_dir(Path(out.dir), out.name or self.default_name(cfg), if_exists=out.if_exists,
                                       resume=resume)
        if resuming and self.resume_sections:
            from textbench.config.loader import to_dict

            check_resume_config(path, to_dict(cfg), self.resume_sections, self.resume_command)


def _load_finetune(path: str | Path, overrides: list[str]) -> Any:
    from textbench.config import load_run_config

    return load_run_config(path, overrides)


def _run_finetune(cfg: Any, *, resume: bool = False, quiet: bool = False, prepared: Any = None) -> Any:
    from textbench.runs.finetune import train_run

    return train_run(cfg, resume=resume, quiet=quiet, prepared=prepared)


def _run_trial(cfg: Any, *, resume: bool = False, quiet: bool = True, prepared: Any = None,
               callbacks: list[Any] | None = None) -> Any:
    from textbench.runs.finetune import train_run

    return train_run(cfg, resume=resume, quiet=quiet, prepared=prepared, test=False, callbacks=callbacks)


def _load_pretrain(path: str | Path, overrides: list[str]) -> Any:
    from textbench.pretraining import load_pretrain_config

    return load_pretrain_config(path, overrides)


def _run_pretrain(cfg: Any, *, resume: bool = False, quiet: bool = False, prepared: Any = None) -> Any:
    from textbench.runs.pretrain import pretrain_run

    del prepared  # pretraining reads its texts itself (the training split plus extra files)
    return pretrain_run(cfg, resume=resume, quiet=quiet)


def _load_baseline(path: str | Path, overrides: list[str]) -> Any:
    from textbench.baselines import load_baseline_config

    return load_baseline_config(path, overrides)


def _run_baseline(cfg: Any, *, resume: bool = False, quiet: bool = False, prepared: Any = None) -> Any:
    from textbench.runs.baseline import run_baseline

    return run_baseline(cfg, resume=resume, prepared=prepared)


RUN_KINDS: Registry[RunKind] = Registry("run kind")
RUN_KINDS.add("finetune", RunKind("finetune", _load_finetune, _run_finetune, True, finetune_run_name,
                                  FINETUNE_RESUME_SECTIONS, FINETUNE_RESUME_COMMAND))
RUN_KINDS.add("pretrain", RunKind("pretrain", _load_pretrain, _run_pretrain, True, pretrain_run_name,
                                  PRETRAIN_RESUME_SECTIONS, PRETRAIN_RESUME_COMMAND))
RUN_KINDS.add("trial", RunKind("trial", _load_finetune, _run_trial, True, finetune_run_name,  # a tuning trial
                               FINETUNE_RESUME_SECTIONS, FINETUNE_RESUME_COMMAND))
RUN_KINDS.add("baseline", RunKind("baseline", _load_baseline, _run_baseline, False, baseline_run_name))


def run_kind(name: str) -> RunKind:
    return RUN_KINDS.get(name, setting="run kind")


def stored_data(cfg: Any, store: Path | None) -> Any:
    """The run's prepared data from a study's data store (None: the run prepares its own)."""
    data = getattr(cfg, "data", None)
    if store is None or data is None:
        return None
    from textbench.data.store import data_key, load_prepared

    return load_prepared(store, data_key(data))
