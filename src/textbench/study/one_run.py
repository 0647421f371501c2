"""Bring one run of a study to 'complete': skip it, resume it from its checkpoint, or start it.

Each run is a fresh ``python -m textbench worker KIND CONFIG`` subprocess (any run kind,
from the typed config the study wrote) in its own session, so peak memory is per run, a
crash does not end the study, and the study stops each run once, saving (Ctrl-C, SIGTERM).
Its output goes to ``<run>/train.log``. The local executor calls ``run_one`` in a thread
per job slot; the Ray executor calls it inside a Ray task on a cluster node.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Literal

from textbench.config.loader import to_dict
from textbench.errors import RunError, TextbenchError
from textbench.runs.folder import run_status
from textbench.runs.kinds import run_kind, stored_data
from textbench.runs.lock import busy_message, lock_holder
from textbench.study.plan import DATA_STORE, PlannedRun
from textbench.study.shared_tokenizers import shared_tokenizer_dir, use_shared_tokenizer, with_shared_tokenizer
from textbench.utils.io import write_yaml_atomic

log = logging.getLogger("textbench")
Executor = Literal["subprocess", "inline", "ray"]


@dataclass
class RunOutcome:
    run: PlannedRun
    status: str  # complete | skipped | failed
    seconds: float = 0.0
    message: str = ""
    log_path: Path | None = None


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


def has_checkpoint(run_dir: Path) -> bool:
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


def _child_setup() -> Callable[[], None]:
    """What a run's process sets up between fork and exec (resolved before the fork).

    Ctrl-C reaches it: the study stops a run with SIGINT, and a study started where SIGINT is
    ignored (a background job) or blocked (a Ray worker) would otherwise pass that on to the
    child, which then never stops. Linux: it gets SIGTERM (a saving stop, like Ctrl-C) when the study process
    dies, even by kill -9, so no run trains on as an orphan.
    """
    prctl = None
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            prctl = ctypes.CDLL(None, use_errno=True).prctl
        except (OSError, AttributeError):
            prctl = None
    study_pid = os.getpid()

    def setup() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Python then turns it into KeyboardInterrupt
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
        if prctl is not None:
            prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
            if os.getppid() != study_pid:  # the study died before the signal was set
                os.kill(os.getpid(), signal.SIGTERM)

    return setup


def _run_subprocess(cmd: list[str], log_path: Path, tick: Callable[[], None] | None = None,
                    launch: Launch | None = None) -> int:
    launch = launch or Launch()
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "a", encoding="utf-8") as f:  # a dead attempt's output (Ray retries) is kept
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        # its own session: the terminal's Ctrl-C reaches the study, which stops each run once (_stop_child)
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=_child_env(launch.env),
                                start_new_session=True, preexec_fn=_child_setup())
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
        if run.arm.kind != "baseline" and has_checkpoint(run.run_dir):
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
