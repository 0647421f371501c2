"""Run a study: every arm x seed that is not complete yet, one progress bar, then the report.

Each run is a fresh ``python -m textbench worker KIND CONFIG`` subprocess (any run kind,
from the typed config the study wrote), so peak memory is per run and a crash does not
end the study; its progress comes from the run's ``progress.json``; its output
goes to ``<run>/train.log``. A complete run folder is skipped; an unfinished one is
resumed from its last checkpoint, or restarted cleanly when it has none.

``jobs`` runs train side by side, each on its share of the cores or GPUs; ``launch``
starts each training run under a launcher (``torchrun ...``, ``accelerate launch ...``).
Any number of workers (processes, or machines sharing the folder) may work on one study:
each run is claimed with a lock first (study/workers.py), and a worker that has nothing
left to claim waits for the runs others hold, then writes the report.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Literal

from textbench.errors import ConfigError, RunError, TextbenchError
from textbench.study.plan import DATA_STORE, STUDY_FILE, PlannedRun, Study
from textbench.study.preflight import preflight
from textbench.study.progress import StudyProgress
from textbench.study.shared_tokenizers import (shared_tokenizer_dir, train_shared_tokenizers, use_shared_tokenizer,
                                               with_shared_tokenizer)
from textbench.study.workers import Claim, held_elsewhere, holder, setup_lock, slot_env, try_claim
from textbench.runs.folder import read_progress, run_status
from textbench.runs.lock import busy_message, lock_holder
from textbench.runs.kinds import run_kind, stored_data
from textbench.runs.records import read_test_metrics
from textbench.config.loader import to_dict
from textbench.utils.io import write_json_atomic, write_yaml_atomic

log = logging.getLogger("textbench")
Executor = Literal["subprocess", "inline"]


@dataclass
class RunOutcome:
    run: PlannedRun
    status: str  # complete | skipped | failed
    seconds: float = 0.0
    message: str = ""
    log_path: Path | None = None


@dataclass
class StudyResult:
    dir: Path
    outcomes: list[RunOutcome] = field(default_factory=list)
    report: Path | None = None

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)


@dataclass
class Launch:
    """How training subprocesses start: a launcher prefix, the job slot's environment, a stop signal."""

    prefix: list[str] = field(default_factory=list)  # e.g. ["torchrun", "--nproc_per_node", "2"]
    env: dict[str, str] = field(default_factory=dict)
    stop: threading.Event | None = None

    def python_module(self, *module: str, launched: bool = True) -> list[str]:
        if launched and self.prefix:
            return [*self.prefix, "-m", *module]
        return [sys.executable, "-m", *module]


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


def _has_checkpoint(run_dir: Path) -> bool:
    ckpts = run_dir / "checkpoints"
    return ckpts.is_dir() and any(p.name.startswith("checkpoint-") for p in ckpts.iterdir())


def _last_line(path: Path) -> str:
    try:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    errors = [ln for ln in lines if ln.startswith("error:")]
    return (errors or lines or [""])[-1][:300]


def _child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false", "TQDM_DISABLE": "1",
                "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"})
    env.update(extra or {})
    return env


def _stop_child(proc: subprocess.Popen) -> None:
    """The study stops: one Ctrl-C to the run (in its own session, it saw none from the terminal),
    which saves a checkpoint at the end of its step, marks the run 'interrupted' and exits. Give it
    time; only then ask again (stop at once), and at last kill it."""
    for action, wait_s in ((signal.SIGINT, 120), (signal.SIGINT, 30), (signal.SIGKILL, 30)):
        if proc.poll() is not None:
            return
        proc.send_signal(action)
        try:
            proc.wait(timeout=wait_s)
            return
        except subprocess.TimeoutExpired:
            continue


def _die_with_study() -> Callable[[], None] | None:
    """Linux: a child gets SIGTERM (a saving stop, like Ctrl-C) when the study process dies, even by
    kill -9, so no run trains on as an orphan. Resolved before the fork; the child only calls it."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    study_pid = os.getpid()

    def set_parent_death_signal() -> None:
        prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        if os.getppid() != study_pid:  # the study died before the signal was set
            os.kill(os.getpid(), signal.SIGTERM)

    return set_parent_death_signal


def _run_subprocess(cmd: list[str], log_path: Path, tick: Callable[[], None] | None = None,
                    launch: Launch | None = None) -> int:
    launch = launch or Launch()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        # its own session: the terminal's Ctrl-C reaches the study, which stops each run once (_stop_child)
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=_child_env(launch.env),
                                start_new_session=True, preexec_fn=_die_with_study())
        try:
            last_tick = time.monotonic()
            while True:
                try:
                    return proc.wait(timeout=0.2)  # a stop reaches the run within 0.2 s
                except subprocess.TimeoutExpired:
                    if launch.stop is not None and launch.stop.is_set():  # the study was interrupted
                        _stop_child(proc)
                        return proc.returncode if proc.returncode is not None else -signal.SIGKILL
                    if tick is not None and time.monotonic() - last_tick >= 2:
                        last_tick = time.monotonic()
                        tick()
        except KeyboardInterrupt:
            _stop_child(proc)
            raise


def _settle_log(tmp_log: Path, run_dir: Path) -> Path:
    """Move the run's output into ``<run>/train.log`` (appended on resume) when the folder exists."""
    if not run_dir.is_dir():
        return tmp_log
    dest = run_dir / "train.log"
    with open(dest, "a", encoding="utf-8") as out, open(tmp_log, encoding="utf-8", errors="replace") as src:
        shutil.copyfileobj(src, out)
    tmp_log.unlink()
    return dest


def _prepare_pretraining(run: PlannedRun, executor: Executor, launch: Launch) -> Path | None:
    """Run the arm's pretraining for this seed unless it is complete; returns its folder."""
    if run.arm.pretrain is None:
        return None
    from textbench.study.pretrain import pretrain_raw

    pdir = run.pretrain_dir
    if run_status(pdir) == "complete":
        return pdir.resolve()
    if pdir.exists():
        shutil.rmtree(pdir)
    settings = with_shared_tokenizer(run.arm.settings, shared_tokenizer_dir(run.study_dir, run.arm.settings))
    raw = pretrain_raw(settings, run.arm.pretrain, run.seed, pdir.parent.resolve(), pdir.name)
    cfg_path = run.config_path.with_name(f"{run.name}.pretrain.yaml")
    write_yaml_atomic(cfg_path, raw)  # the block is partial YAML: the pretrain loader completes it
    kind = run_kind("pretrain")
    if executor == "inline":
        kind.run(kind.load_config(cfg_path, []), quiet=True)
        return pdir.resolve()
    tmp_log = pdir.parent / f"{pdir.name}.log"
    rc = _run_subprocess(launch.python_module("textbench", "worker", kind.name, str(cfg_path)), tmp_log, launch=launch)
    log_path = _settle_log(tmp_log, pdir)
    if rc != 0 or run_status(pdir) != "complete":
        raise RunError(f"pretraining failed: {_last_line(log_path)} (log: {log_path})")
    return pdir.resolve()


def _worker_command(run: PlannedRun, resume: bool, launch: Launch) -> list[str]:
    """``textbench worker KIND CONFIG``: the one entry point of a child run, of any kind."""
    kind = run_kind(run.arm.run_kind)
    cmd = launch.python_module("textbench", "worker", kind.name, str(run.config_path), launched=kind.launchable)
    cmd += ["--data-store", str((run.study_dir / DATA_STORE).resolve())]
    return cmd + (["--resume"] if resume else [])


def _wait_for_holder(run_dir: Path, seconds: float = 120) -> str | None:
    """A process still training ``run_dir`` (a run of a killed study saving its checkpoint): give it
    time to let go; its PID if it does not."""
    deadline = time.monotonic() + seconds
    while (pid := lock_holder(run_dir)) is not None and time.monotonic() < deadline:
        time.sleep(0.5)
    return pid


def run_one(run: PlannedRun, executor: Executor = "subprocess",
            tick: Callable[[Path], None] | None = None, launch: Launch | None = None) -> RunOutcome:
    """Bring one run to 'complete' (skip, resume or start it); never raises for a failed run.

    The caller holds the run's claim when other workers may share the study folder.
    """
    launch = launch or Launch()
    if run_status(run.run_dir) == "complete":
        return RunOutcome(run, "skipped")
    start = time.perf_counter()
    resume = False
    busy = _wait_for_holder(run.run_dir)
    if busy is not None:
        return RunOutcome(run, "failed", 0.0, busy_message(run.run_dir, busy))
    if run.run_dir.exists():
        if run.arm.kind != "baseline" and _has_checkpoint(run.run_dir):
            resume = True
        else:
            shutil.rmtree(run.run_dir)
    tmp_log = run.out_dir / f"{run.name}.log"
    try:
        config = use_shared_tokenizer(run.config(), shared_tokenizer_dir(run.study_dir, run.arm.settings))
        pretrained_dir = _prepare_pretraining(run, executor, launch)
        if pretrained_dir is not None:
            from textbench.study.pretrain import finetune_from

            config = finetune_from(config, pretrained_dir)
        write_yaml_atomic(run.config_path, to_dict(config))  # what the child reads (and a record of the run)
        if executor == "inline":
            prepared = stored_data(config, run.study_dir / DATA_STORE)
            run_kind(run.arm.run_kind).run(config, resume=resume, quiet=True, prepared=prepared)
            log_path, rc = None, 0
        else:
            cmd = _worker_command(run, resume, launch)
            rc = _run_subprocess(cmd, tmp_log, (lambda: tick(run.run_dir)) if tick else None, launch)
            log_path = _settle_log(tmp_log, run.run_dir)
    except TextbenchError as e:
        return RunOutcome(run, "failed", time.perf_counter() - start, e.one_line())
    except KeyboardInterrupt:
        raise
    except Exception as e:  # inline runs: an internal error fails this run only
        return RunOutcome(run, "failed", time.perf_counter() - start, f"{type(e).__name__}: {e}")
    secs = time.perf_counter() - start
    if rc != 0 or run_status(run.run_dir) != "complete":
        msg = _last_line(log_path) if log_path else f"exit code {rc}"
        return RunOutcome(run, "failed", secs, msg or f"exit code {rc}", log_path)
    return RunOutcome(run, "complete", secs, "", log_path)


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
            what = "resume" if run.arm.kind != "baseline" and _has_checkpoint(run.run_dir) else "restart"
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
              rerun_stale: bool = False) -> StudyResult:
    """Validate everything, run what is missing, write the report; failed runs raise RunError at the end.

    ``jobs`` runs train at once (subprocess executor), each with its share of cores or GPUs;
    ``launch`` is a launcher prefix for training runs (e.g. ``torchrun --nproc_per_node 2``).
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
    prefix = parse_launch(launch)
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

        study = dataclasses.replace(study, arms=tune_arms(study))
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
        return run_one(run, executor, tick if progress else None,
                       Launch(prefix, slot_env(slot, jobs), stop))

    try:
        if executor == "inline":
            _run_in_turn(schedule, lambda run: start(run, 0), record)
        else:
            _run_in_slots(schedule, jobs, start, record, stop)
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
