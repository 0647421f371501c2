"""The one run-folder routine every run kind goes through.

`execute` claims the folder (or reopens it to resume), writes ``config.yaml`` and the
manifest, runs the kind's body under `guarded_run` (Ctrl-C, failure, resume), and marks
the manifest complete. A run kind supplies only what is its own: the body that fits,
evaluates and writes its result files.
"""

from __future__ import annotations

import dataclasses
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, TypeVar

from textbench.errors import RunError
from textbench.runtime import distributed as dist
from textbench.runs.folder import claim_run_dir, guarded_run, now_iso, update_manifest
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
    if resuming:
        dist.on_main(lambda: _check_resume_config(path, spec))
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


def _check_resume_config(path: Path, spec: RunSpec) -> None:
    saved_path = path / CONFIG_FILE
    if not saved_path.is_file():
        return
    import yaml

    saved = yaml.safe_load(saved_path.read_text(encoding="utf-8")) or {}
    for section in spec.resume_sections:
        if saved.get(section) != spec.config.get(section):
            raise RunError(f"{path}: cannot resume, the config's {section!r} section differs from the saved run's")

