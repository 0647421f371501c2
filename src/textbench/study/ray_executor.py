"""``textbench study --executor ray``: each run, and each tuned arm's search, as a Ray task.

The driver (the ``textbench study`` process) validates the study, prepares the data and the
shared tokenizers once, claims each run (study/workers.py, so two drivers never train a run
twice) and submits it as a task with the resources its arm asks for (study/resources.py).
On the node, the task runs exactly what the local executor runs (``one_run.run_one``: a
``textbench worker`` subprocess that skips, resumes or starts the run folder), so the study
folder means the same whichever executor made it. Every node must see the study folder at
the same path (shared storage, e.g. NFS); the task checks that before it starts.

Faults: when a task's worker process or node dies, Ray ends its training subprocess too, runs
the task again (``max_retries``) and ``run_one`` resumes the run from its last checkpoint.
Ctrl-C on the driver cancels the tasks (a KeyboardInterrupt in each): each run saves, stops,
and the same command continues the study.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from textbench.errors import ConfigError, RunError, TextbenchError
from textbench.runtime.cpus import THREADS_ENV
from textbench.study.one_run import Launch, RunOutcome, run_one
from textbench.study.arms import ResolvedArm
from textbench.study.plan import PlannedRun
from textbench.study.resources import TaskResources, task_resources

log = logging.getLogger("textbench")
STOP_WAIT_SECONDS = 180  # after Ctrl-C: how long a cancelled task may take to save and stop
INSTALL = "pip install -e '.[ray]' -c requirements-lock.txt"


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(f"--executor ray needs Ray, an optional extra: {INSTALL}") from None
    return ray


@dataclass
class RayCluster:
    """The driver's connection: where tasks go, what the cluster has, how often a task is retried."""

    address: str | None
    max_retries: int
    cluster_gpus: float
    largest_node_cpus: float
    nodes: int

    @classmethod
    def connect(cls, address: str | None, max_retries: int = 3) -> RayCluster:
        """Join the cluster at ``address`` (``auto``, ``HOST:PORT``, ``ray://HOST:10001``); without
        one, Ray's default: the cluster named by RAY_ADDRESS, else a new one on this machine."""
        ray = _ray()
        if max_retries < 0:
            raise ConfigError(f"--max-retries: must be >= 0, got {max_retries}")
        if not ray.is_initialized():
            try:
                ray.init(address=address, log_to_driver=False, logging_level=logging.WARNING)
            except (ConnectionError, RuntimeError, ValueError) as e:
                where = f"--address {address}" if address else "Ray"
                raise ConfigError(f"{where}: could not join a Ray cluster: {str(e).splitlines()[0]}",
                                  hint="start one with `ray start --head` (see the README's scaling"
                                  " section), or leave --address out to start one on this machine") from None
        alive = [n for n in ray.nodes() if n.get("Alive")]
        cpus = [float(n.get("Resources", {}).get("CPU", 0)) for n in alive]
        gpus = float(ray.cluster_resources().get("GPU", 0))
        return cls(address, max_retries, gpus, max(cpus or [1.0]), len(alive))

    def resources(self, arm: ResolvedArm) -> TaskResources:
        """What a run (or search) of ``arm`` asks of a node."""
        res = task_resources(arm.resources, baseline=arm.kind == "baseline",
                             cluster_gpus=self.cluster_gpus, largest_node_cpus=self.largest_node_cpus)
        if res.num_cpus > self.largest_node_cpus:
            raise ConfigError(f"arm {arm.name!r}: resources.num_cpus {res.num_cpus:g} is more than any node"
                              f" of the cluster has ({self.largest_node_cpus:g}); one run stays on one node")
        return res

    def run(self, run: PlannedRun, launch: Launch, tick: Callable[[], None] | None) -> RunOutcome:
        """Train one run as a Ray task and wait for it (cancelling it when ``launch.stop`` is set)."""
        ray = _ray()
        res = self.resources(run.arm)
        task = _remote(_run_task).options(**res.ray_options(), max_retries=self.max_retries,
                                          retry_exceptions=False, name=f"textbench {run.key}")
        ref = task.remote(run, os.getcwd(), launch.prefix, res.threads)
        try:
            return _wait(ref, launch.stop, tick)
        except ray.exceptions.TaskCancelledError:
            return RunOutcome(run, "failed", message="interrupted (the run saved its checkpoint)")
        except ray.exceptions.RayError as e:
            return RunOutcome(run, "failed", message=f"on Ray: {ray_error(e)}")

    def run_searches(self, jobs: list[Any]) -> list[dict[str, Any]]:
        """Every tuned arm's search side by side, one task per arm (its trials in turn, as locally)."""
        ray = _ray()
        if self.nodes > 1 and jobs and jobs[0].storage.startswith("sqlite"):
            log.warning("note: the tuning storage is SQLite in the study folder; on a cluster of %d nodes set"
                        " tune.storage to a database URL every node reaches (PostgreSQL, MySQL)", self.nodes)
        refs = []
        for job in jobs:
            res = self.resources(job.arm)
            task = _remote(_search_task).options(**res.ray_options(), max_retries=self.max_retries,
                                                 retry_exceptions=False, name=f"textbench tune {job.arm.name}")
            refs.append(task.remote(job, os.getcwd(), res.threads))
        try:
            return [_wait(ref, None, None) for ref in refs]
        except ray.exceptions.RayTaskError as e:  # a search failed on its node: its own error, one line
            cause = getattr(e, "cause", None)
            if isinstance(cause, TextbenchError):
                raise cause from None
            raise RunError(f"tuning on Ray failed: {ray_error(e)}") from None
        except KeyboardInterrupt:
            for ref in refs:
                ray.cancel(ref)
            ray.wait(refs, num_returns=len(refs), timeout=STOP_WAIT_SECONDS)
            raise


@functools.cache
def _remote(fn: Callable[..., Any]) -> Any:
    """``fn`` as a Ray remote function, made once per driver."""
    return _ray().remote(fn)


def ray_error(e: BaseException) -> str:
    """One line for a Ray error: the task's own exception when Ray carries it, else Ray's last line."""
    cause = getattr(e, "cause", None)
    if isinstance(cause, TextbenchError):
        return cause.one_line()
    if isinstance(cause, BaseException):
        text = str(cause).strip()
        return f"{type(cause).__name__}: {text.splitlines()[0][:300]}" if text else type(cause).__name__
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", ln).strip() for ln in str(e).splitlines()]
    lines = [ln for ln in lines if ln]
    return lines[-1][:300] if lines else type(e).__name__


def _wait(ref: Any, stop: threading.Event | None, tick: Callable[[], None] | None) -> Any:
    """The task's result; ticks every 2 s; on ``stop`` the task is cancelled (KeyboardInterrupt there)."""
    ray = _ray()
    last = time.monotonic()
    while True:
        ready, _ = ray.wait([ref], timeout=0.2)
        if ready:
            return ray.get(ref)
        if stop is not None and stop.is_set():
            ray.cancel(ref)  # run_one stops its subprocess, which saves a checkpoint
            ray.wait([ref], timeout=STOP_WAIT_SECONDS)
            return ray.get(ref, timeout=1)  # TaskCancelledError, or GetTimeoutError if it never stopped
        if tick is not None and time.monotonic() - last >= 2:
            last = time.monotonic()
            tick()


def _on_node(cwd: str, study_dir: Path) -> str | None:
    """Work where the driver works; an error line when this node does not see the study folder."""
    if Path(cwd).is_dir():
        os.chdir(cwd)
    if not Path(study_dir).is_dir():
        return (f"node {socket.gethostname()} does not see the study folder {study_dir}: every node of a Ray"
                " cluster needs it at the same path (shared storage, e.g. NFS; see the README)")
    return None


def _run_task(run: PlannedRun, cwd: str, prefix: list[str], threads: int) -> RunOutcome:
    """On a cluster node: bring the run to 'complete' as the local executor does."""
    problem = _on_node(cwd, run.study_dir)
    if problem:
        return RunOutcome(run, "failed", message=problem)
    return run_one(run, "subprocess", launch=Launch(prefix, {THREADS_ENV: str(threads)}))


def _search_task(job: Any, cwd: str, threads: int) -> dict[str, Any]:
    """On a cluster node: one arm's search, its trials in this worker one after another."""
    from textbench.study.tuning_stage import search_here

    problem = _on_node(cwd, Path(job.data_store).parent)
    if problem:
        raise ConfigError(problem)
    os.environ[THREADS_ENV] = str(threads)
    return search_here(job)
