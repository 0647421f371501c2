"""Run a study: every arm x seed that is not complete yet, one progress bar, then the report.

Each run is brought to 'complete' by ``one_run.run_one`` (skip, resume from its checkpoint,
or start; a subprocess per run); its progress comes from the run's ``progress.json``.

Executors: ``subprocess`` (the default: ``jobs`` runs side by side on this machine, each on
its share of the cores or GPUs, optionally under a ``launch`` prefix such as ``torchrun ...``),
``inline`` (in this process, for tests and quick starts) and ``ray`` (each run, and each
tuned arm's search, is a Ray task on a cluster; study/ray_executor.py). Whichever ran them,
the study folder holds the same run folders, manifests and report. Several drivers may work
on one study: each run is claimed with a lock first (study/workers.py), and a driver that
has nothing left to claim waits for the runs others hold, then writes the report.
"""

from __future__ import annotations

import dataclasses
import logging
import shlex
import shutil
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from textbench.errors import ConfigError, RunError
from textbench.study.one_run import Executor, Launch, RunOutcome, has_checkpoint, run_one
from textbench.study.plan import DATA_STORE, STUDY_FILE, PlannedRun, Study
from textbench.study.preflight import preflight
from textbench.study.progress import StudyProgress
from textbench.study.shared_tokenizers import train_shared_tokenizers
from textbench.study.workers import Claim, held_elsewhere, holder, setup_lock, slot_env, try_claim
from textbench.runs.folder import read_progress, run_status
from textbench.runs.records import read_test_metrics
from textbench.utils.io import write_json_atomic, write_yaml_atomic

log = logging.getLogger("textbench")


@dataclass
class StudyResult:
    dir: Path
    outcomes: list[RunOutcome] = field(default_factory=list)
    report: Path | None = None

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


def parse_launch(text: str | None) -> list[str]:
    """``--launch "torchrun --nproc_per_node 2"`` -> the prefix each training run is started with."""
    if not text:
        return []
    prefix = shlex.split(text)
    if not prefix or prefix[-1] in ("-m", "--module"):
        raise ConfigError(f"--launch {text!r}: give the launcher and its options only; textbench adds"
                          " `-m textbench train CONFIG`")
    if shutil.which(prefix[0]) is None and not Path(prefix[0]).is_file():
        raise ConfigError(f"--launch: {prefix[0]!r} not found on PATH")
    return prefix


def write_data_json(study: Study, prepared: Any) -> Path:
    """The data facts the report needs (it must not need the data itself)."""
    from textbench.data import compute_stats

    payload = {
        "summary": prepared.summary(),
        "stats": compute_stats(prepared),
        "char_lengths": {s: [len(t) for t in prepared.splits[s]["text"]] for s in ("train", "validation", "test")},
    }
    return write_json_atomic(study.dir / "data.json", payload)


def _macro_f1(run: PlannedRun) -> str:
    metrics = read_test_metrics(run.run_dir)
    score = metrics.get("macro_f1") if metrics else None
    return f"{score:.3f}" if isinstance(score, (int, float)) else "?"


def plan_status(study: Study) -> list[tuple[PlannedRun, str]]:
    """(run, what `textbench study` would do with it): skip | resume | restart | start | wait."""
    from textbench.study.stale import stale_run_dirs

    from textbench.study.tuning_stage import tuned_arm_names

    searched = set(tuned_arm_names(study))  # their settings come from the search, decided when the study runs
    stale = {d.resolve() for d, arm in stale_run_dirs(study.dir, {a.name: a.settings for a in study.arms})
             if arm not in searched}
    out = []
    for run in study.runs():
        status = run_status(run.run_dir)
        if status == "complete" and run.run_dir.resolve() in stale:
            what = "stale (other settings than the arm's now; --rerun-stale trains it again)"
        elif status == "complete":
            what = "skip (complete)"
        elif held_elsewhere(study.dir, run.key):
            what = f"wait (another worker is training it: {holder(study.dir, run.key)})"
        elif run.run_dir.exists():
            what = "resume" if run.arm.kind != "baseline" and has_checkpoint(run.run_dir) else "restart"
        else:
            what = "start"
        out.append((run, what))
    return out


class _Schedule:
    """Which runs this worker still has to bring to 'complete', claimed one at a time."""

    WAIT_SECONDS = 5.0

    def __init__(self, study: Study) -> None:
        self.study = study
        self.todo = list(study.runs())
        self.tried: set[str] = set()
        self.held_by_others: set[str] = set()
        self.claims: dict[str, Claim] = {}

    def next_run(self) -> tuple[PlannedRun | None, list[RunOutcome]]:
        """The next run to train (claimed), and outcomes for runs found complete on the way."""
        done: list[RunOutcome] = []
        for run in list(self.todo):
            if run_status(run.run_dir) == "complete":
                self.todo.remove(run)
                by_other = run.key in self.held_by_others
                done.append(RunOutcome(run, "skipped", message="completed by another worker" if by_other
                                       else "complete"))
                continue
            if run.key in self.tried:  # failed here once: not again in this invocation
                self.todo.remove(run)
                continue
            claim = try_claim(self.study.dir, run.key)
            if claim is None:
                self.held_by_others.add(run.key)  # another worker has it
                continue
            if run_status(run.run_dir) == "complete":  # finished between the two checks
                claim.release()
                continue
            self.todo.remove(run)
            self.tried.add(run.key)
            self.claims[run.key] = claim
            return run, done
        return None, done

    def release(self, run: PlannedRun) -> None:
        claim = self.claims.pop(run.key, None)
        if claim is not None:
            claim.release()

    def waiting(self) -> list[PlannedRun]:
        """Runs other workers hold (this worker waits for them before the report)."""
        return [r for r in self.todo if r.key not in self.tried]

    def release_all(self) -> None:
        for claim in self.claims.values():
            claim.release()
        self.claims.clear()


def _handle_stale(study_dir: Path, rerun_stale: bool) -> None:
    """Complete runs made with other settings than their arm's now: refuse, or set them aside to redo."""
    from textbench.study.stale import set_aside, stale_run_dirs

    stale = stale_run_dirs(study_dir)
    if not stale:
        return
    if not rerun_stale:
        listing = ", ".join(f"{d.parent.name}/{d.name}" for d, _ in stale[:5]) + (" ..." if len(stale) > 5 else "")
        raise RunError(f"{len(stale)} complete run(s) were made with other settings than the study now gives"
                       f" their arm ({listing}); rerun with --rerun-stale to set them aside in"
                       f" {study_dir}/stale/ and train them again, or undo the edit")
    for d, arm in stale:
        log.warning("stale run %s set aside in %s; it trains again", d, set_aside(study_dir, d))


def run_study(study: Study, *, executor: Executor = "subprocess", progress: bool = True,
              write_report: bool = True, jobs: int = 1, launch: str | None = None,
              rerun_stale: bool = False, ray_address: str | None = None, max_retries: int = 3) -> StudyResult:
    """Validate everything, run what is missing, write the report; failed runs raise RunError at the end.

    ``jobs`` runs train at once (subprocess executor), each with its share of cores or GPUs;
    ``launch`` is a launcher prefix for training runs (e.g. ``torchrun --nproc_per_node 2``).
    ``executor="ray"`` sends every run and search to the Ray cluster at ``ray_address`` (each
    task retried up to ``max_retries`` times when its worker or node dies).
    Complete runs made with other settings than their arm's now stop the study unless
    ``rerun_stale`` (they are then set aside in ``<study>/stale/`` and trained again).
    Other workers may run the same study at the same time (see study/workers.py).
    """
    from textbench.study.stale import stale_runs
    from textbench.runtime import distributed as dist

    if dist.is_distributed():
        raise ConfigError("run `textbench study` once, not under torchrun/accelerate launch; to train each run"
                          " with several processes, give the launcher: --launch 'torchrun --nproc_per_node 2'")
    if jobs < 1:
        raise ConfigError(f"--jobs: must be >= 1, got {jobs}")
    if executor == "inline" and (jobs > 1 or launch):
        raise ConfigError("--inline runs one run at a time in this process; drop --jobs/--launch or --inline")
    if executor == "ray" and jobs > 1:
        raise ConfigError("--executor ray: Ray runs as many runs at once as the cluster's resources allow (see"
                          " resources: in the study file); drop --jobs")
    if executor != "ray" and ray_address:
        raise ConfigError("--address goes with --executor ray")
    prefix = parse_launch(launch)
    cluster = None
    if executor == "ray":
        from textbench.study.ray_executor import RayCluster

        cluster = RayCluster.connect(ray_address, max_retries)
        study = dataclasses.replace(study, dir=study.dir.resolve())  # the same path on every node
    notes, prepared, datasets = preflight(study)
    runs = study.runs()
    result = StudyResult(study.dir)
    with setup_lock(study.dir):  # several workers: one writes the study files at a time
        write_yaml_atomic(study.dir / STUDY_FILE, {**study.to_dict(), "notes": notes})
        write_data_json(study, prepared)
        from textbench.data.store import save_prepared

        for key, data in datasets.items():  # prepared once here; every run loads it
            save_prepared(data, study.dir / DATA_STORE, key)
        train_shared_tokenizers(study)
    if study.cfg.tune is not None:  # the search first; the arms x seeds below train each arm's best config
        from textbench.study.tuning_stage import tune_arms

        study = dataclasses.replace(study, arms=tune_arms(study, cluster.run_searches if cluster else None))
        runs = study.runs()
        with setup_lock(study.dir):
            write_yaml_atomic(study.dir / STUDY_FILE, {**study.to_dict(), "notes": notes})
    for note in notes:
        log.warning("note: %s", note)
    _handle_stale(study.dir, rerun_stale)
    bar = StudyProgress(study.name, len(runs), enabled=progress, jobs=jobs)
    schedule = _Schedule(study)
    stop = threading.Event()
    lock = threading.Lock()

    def record(outcome: RunOutcome) -> None:
        with lock:
            result.outcomes.append(outcome)
            run = outcome.run
            if outcome.status == "failed":
                where = f" (log: {outcome.log_path})" if outcome.log_path else ""
                bar.finished(run.key, "failed", f"{outcome.message}{where}", None)
            elif outcome.status == "complete":
                bar.finished(run.key, "complete", f"macro-F1 {_macro_f1(run)} in {outcome.seconds:.0f}s",
                             outcome.seconds)
            else:
                bar.finished(run.key, outcome.status, outcome.status, None)

    def start(run: PlannedRun, slot: int) -> RunOutcome:
        started = time.perf_counter()

        def tick(run_dir: Path) -> None:
            got = read_progress(run_dir) or {}  # written by the run's ProgressFileCallback
            epoch, epochs = got.get("epoch"), got.get("epochs")
            at = f", epoch {epoch:.2f}/{epochs:g}" if epoch is not None and epochs else ""
            with lock:
                bar.running(run.key, f"running {time.perf_counter() - started:.0f}s{at}")

        with lock:
            bar.started(run.key)
        if cluster is not None:
            return cluster.run(run, Launch(prefix, {}, stop), (lambda: tick(run.run_dir)) if progress else None)
        return run_one(run, executor, tick if progress else None,
                       Launch(prefix, slot_env(slot, jobs), stop))

    try:
        if executor == "inline":
            _run_in_turn(schedule, lambda run: start(run, 0), record)
        else:  # Ray: every run is submitted (claimed first); the cluster queues them by their resources
            _run_in_slots(schedule, max(1, len(runs)) if cluster else jobs, start, record, stop)
    finally:
        schedule.release_all()
        bar.close()
    if write_report:
        from textbench.report import build_report

        with setup_lock(study.dir):
            result.report = build_report(study.dir, notes=stale_runs(study.dir))
    failed = [o for o in result.outcomes if o.status == "failed"]
    if failed:
        listing = "; ".join(f"{o.run.key}: {o.message}" for o in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        raise RunError(
            f"{len(failed)} of {len(runs)} runs failed ({listing}{more}); the report covers the completed"
            " runs; run the same command again to retry the failed ones"
        )
    return result


def _wait_for_others(schedule: _Schedule) -> bool:
    """Sleep a little when only runs held by other workers are left; False when nothing is left."""
    if not schedule.waiting():
        return False
    time.sleep(schedule.WAIT_SECONDS)
    return True


def _run_in_turn(schedule: _Schedule, start: Callable[[PlannedRun], RunOutcome],
                 record: Callable[[RunOutcome], None]) -> None:
    while True:
        run, done = schedule.next_run()
        for o in done:
            record(o)
        if run is None:
            if _wait_for_others(schedule):
                continue
            return
        try:
            record(start(run))
        finally:
            schedule.release(run)


def _run_in_slots(schedule: _Schedule, jobs: int, start: Callable[[PlannedRun, int], RunOutcome],
                  record: Callable[[RunOutcome], None], stop: threading.Event) -> None:
    """Up to ``jobs`` runs at once, each in a thread that waits on its subprocess."""
    free = list(range(jobs))
    active: dict[Future, tuple[PlannedRun, int]] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="textbench-run") as pool:
        try:
            while True:
                while free:
                    run, done = schedule.next_run()
                    for o in done:
                        record(o)
                    if run is None:
                        break
                    slot = free.pop(0)
                    active[pool.submit(start, run, slot)] = (run, slot)
                if not active:
                    if _wait_for_others(schedule):
                        continue
                    return
                finished, _ = wait(list(active), timeout=2, return_when=FIRST_COMPLETED)
                for fut in finished:
                    run, slot = active.pop(fut)
                    schedule.release(run)
                    free.append(slot)
                    record(fut.result())
        except KeyboardInterrupt:
            stop.set()  # the threads stop their subprocesses (which got the Ctrl-C too)
            for fut in list(active):
                try:
                    fut.result()
                except Exception:  # noqa: BLE001 - the interrupt is what matters now
                    pass
            raise
