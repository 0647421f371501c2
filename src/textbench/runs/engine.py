"""The one run-folder routine every run kind goes through.

`execute` claims the folder (or reopens it to resume), writes ``config.yaml`` and the
manifest, runs the kind's body under `guarded_run` (Ctrl-C, failure, resume), and marks
the manifest complete. A run kind supplies only what is its own: the body that fits,
evaluates and writes its result files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from textbench.config.mappings import differing_keys, flatten
from textbench.errors import RunError
from textbench.runtime import distributed as dist
from textbench.runs.folder import claim_run_dir, guarded_run, now_iso, update_manifest
from textbench.runs.lock import hold_run_lock
from textbench.runs.records import STATUS_COMPLETE, STATUS_RUNNING, Manifest
from textbench.utils.io import write_yaml_atomic

T = TypeVar("T")
CONFIG_FILE = "config.yaml"


@dataclass(frozen=True)
class RunClock:
    """When the command started: the run's ``started`` and ``total_seconds`` count from here."""

    started: str = field(default_factory=now_iso)
    t0: float = field(default_factory=time.perf_counter)

    def elapsed(self) -> float:
        return round(time.perf_counter() - self.t0, 2)


@dataclass(frozen=True)
class RunSpec:
    """Where a run goes and how it is resumed."""

    kind: str  # the manifest's kind: finetune, pretrain, baseline
    out_dir: Path
    name: str
    config: dict[str, Any]  # the resolved config, written to config.yaml
    resume_command: str  # shown when the run is interrupted
    if_exists: str = "error"
    resume_sections: tuple[str, ...] = ()  # config sections that must match the stored run to resume
    restart_on_resume: bool = False  # seconds of work (baselines): an unfinished run starts again


@dataclass(frozen=True)
class RunFolder:
    """The claimed folder handed to a run kind's body."""

    path: Path
    resuming: bool


def execute(spec: RunSpec, manifest: Manifest, body: Callable[[RunFolder], T], *, resume: bool = False,
            clock: RunClock | None = None) -> T:
    """Claim ``spec``'s folder, record the run, call ``body`` guarded, mark the run complete.

    Under torchrun/accelerate every process calls this; the main process claims and writes.
    """
    clock = clock or RunClock()
    path, resuming = dist.on_main(lambda: _claim(spec, resume))
    with contextlib.ExitStack() as held:
        if dist.is_main():  # the one writer: released when this process ends, however it ends
            held.enter_context(hold_run_lock(path))
        if resuming:
            dist.on_main(lambda: check_resume_config(path, spec.config, spec.resume_sections, spec.resume_command))
        return _execute_claimed(spec, manifest, body, path, resuming, clock)


def _execute_claimed(spec: RunSpec, manifest: Manifest, body: Callable[[RunFolder], T], path: Path,
                     resuming: bool, clock: RunClock) -> T:
    with guarded_run(path, fresh=not resuming, resume_command=spec.resume_command):
        if dist.is_main():
            if not resuming:
                write_yaml_atomic(path / CONFIG_FILE, spec.config)
            record = dataclasses.replace(manifest, name=path.name, kind=spec.kind, status=STATUS_RUNNING,
                                         started=clock.started, processes=dist.world_size())
            update_manifest(path, **record.to_json())  # merged: a resumed run keeps what it recorded
        result = body(RunFolder(path, resuming))
        if dist.is_main():
            update_manifest(path, status=STATUS_COMPLETE, ended=now_iso(), total_seconds=clock.elapsed())
    return result


def _claim(spec: RunSpec, resume: bool) -> tuple[Path, bool]:
    if resume and spec.restart_on_resume and (spec.out_dir / spec.name).exists():
        path = spec.out_dir / spec.name
        claim_run_dir(spec.out_dir, spec.name, resume=True)  # the usual checks: a run, not complete
        shutil.rmtree(path)
        resume = False
    return claim_run_dir(spec.out_dir, spec.name, if_exists=spec.if_exists, resume=resume)


# settings a resumed run may change: how it is watched and paced, not what it learns
RESUME_FREE = frozenset({"train.max_minutes", "train.eval_batch_size", "train.logging_steps", "train.threads",
                         "train.keep_checkpoints"})


def check_resume_config(path: Path, config: dict[str, Any], sections: tuple[str, ...], resume_command: str) -> None:
    """A resumed run trains with the settings it was started with: any other difference in
    ``sections`` of ``config`` from the run's saved ``config.yaml`` is refused (RunError)."""
    saved_path = path / CONFIG_FILE
    if not saved_path.is_file():
        return
    import yaml

    saved = yaml.safe_load(saved_path.read_text(encoding="utf-8")) or {}
    before = {s: saved.get(s) or {} for s in sections}
    now = {s: config.get(s) or {} for s in sections}
    keys = [k for k in differing_keys(before, now) if k not in RESUME_FREE]
    if keys:
        old, new = flatten(before), flatten(now)
        shown = "; ".join(f"{k} (saved {old.get(k)!r}, now {new.get(k)!r})" for k in keys[:5])
        more = f" and {len(keys) - 5} more" if len(keys) > 5 else ""
        again = resume_command.replace("CONFIG", str(saved_path))
        raise RunError(f"{path}: cannot resume with other settings than the run was started with: {shown}{more};"
                       f" give the same settings, or continue with the saved ones: `{again}`")
