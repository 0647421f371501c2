"""Run a study: every arm x seed that is not complete yet, one progress bar, then the report.

Each run is a fresh ``python -m textbench train`` (or ``python -m textbench.baselines``)
subprocess, so peak memory is per run and a crash does not end the study; its output
goes to ``<run>/train.log``. A complete run folder is skipped; an unfinished one is
resumed from its last checkpoint, or restarted cleanly when it has none.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from textbench.errors import RunError, TextbenchError
from textbench.study.plan import STUDY_FILE, PlannedRun, Study
from textbench.study.preflight import pretraining_available, preflight
from textbench.study.shared_tokenizers import shared_tokenizer_dir, train_shared_tokenizers, with_shared_tokenizer
from textbench.training.run_dir import run_status
from textbench.utils.io import read_json, write_json_atomic, write_yaml_atomic

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


@contextmanager
def _study_lock(study_dir: Path) -> Iterator[None]:
    study_dir.mkdir(parents=True, exist_ok=True)
    with open(study_dir / ".lock", "w") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise RunError(f"{study_dir}: another `textbench study` is running on this study folder") from None
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


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


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update({"PYTHONUNBUFFERED": "1", "TOKENIZERS_PARALLELISM": "false", "TQDM_DISABLE": "1",
                "HF_DATASETS_DISABLE_PROGRESS_BARS": "1"})
    return env


_EPOCH = re.compile(r"'epoch': '?([0-9.]+)")


def log_epoch(log_path: Path) -> float | None:
    """The last epoch a training log reports (for the progress display)."""
    try:
        with open(log_path, "rb") as f:
            f.seek(max(0, log_path.stat().st_size - 4096))
            tail = f.read().decode("utf-8", errors="replace")
    except OSError:
        return None
    found = _EPOCH.findall(tail)
    return float(found[-1]) if found else None


def _run_subprocess(cmd: list[str], log_path: Path, tick: Callable[[], None] | None = None) -> int:
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "w", encoding="utf-8") as f:
        f.write("$ " + " ".join(cmd) + "\n")
        f.flush()
        proc = subprocess.Popen(cmd, stdout=f, stderr=subprocess.STDOUT, env=_child_env())
        try:
            while True:
                try:
                    return proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    if tick is not None:
                        tick()
        except KeyboardInterrupt:
            # Ctrl-C reached the child too (same process group): it marks its run 'interrupted'
            # and exits. Give it time; only then ask again, and at last kill it.
            for action in (None, signal.SIGINT, signal.SIGKILL):
                if action is not None:
                    proc.send_signal(action)
                try:
                    proc.wait(timeout=30)
                    break
                except subprocess.TimeoutExpired:
                    continue
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


def _prepare_pretraining(run: PlannedRun, executor: Executor) -> Path | None:
    """Run the arm's pretraining for this seed unless it is complete; returns its folder."""
    if run.arm.pretrain is None or not pretraining_available():
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
    write_yaml_atomic(cfg_path, raw)
    if executor == "inline":
        from textbench.pretraining import load_pretrain_config
        from textbench.pretraining.runner import pretrain_run

        pretrain_run(load_pretrain_config(cfg_path), quiet=True)
        return pdir.resolve()
    tmp_log = pdir.parent / f"{pdir.name}.log"
    rc = _run_subprocess([sys.executable, "-m", "textbench", "pretrain", str(cfg_path)], tmp_log)
    log_path = _settle_log(tmp_log, pdir)
    if rc != 0 or run_status(pdir) != "complete":
        raise RunError(f"pretraining failed: {_last_line(log_path)} (log: {log_path})")
    return pdir.resolve()


def _run_inline(run: PlannedRun, config: dict[str, Any], resume: bool) -> None:
    from textbench.config.loader import from_dict

    if run.arm.kind == "baseline":
        from textbench.baselines import BaselineRunConfig, run_baseline

        run_baseline(from_dict(BaselineRunConfig, config), resume=resume)
    else:
        from textbench.config.schema import RunConfig
        from textbench.training.runner import train_run

        train_run(from_dict(RunConfig, config), resume=resume, quiet=True)


def run_one(run: PlannedRun, executor: Executor = "subprocess",
            tick: Callable[[Path], None] | None = None) -> RunOutcome:
    """Bring one run to 'complete' (skip, resume or start it); never raises for a failed run."""
    if run_status(run.run_dir) == "complete":
        return RunOutcome(run, "skipped")
    start = time.perf_counter()
    resume = False
    if run.run_dir.exists():
        if run.arm.kind != "baseline" and _has_checkpoint(run.run_dir):
            resume = True
        else:
            shutil.rmtree(run.run_dir)
    tmp_log = run.out_dir / f"{run.name}.log"
    try:
        config = with_shared_tokenizer(run.config(), shared_tokenizer_dir(run.study_dir, run.arm.settings))
        pretrained_dir = _prepare_pretraining(run, executor)
        if pretrained_dir is not None:
            from textbench.study.pretrain import finetune_from

            config = finetune_from(config, pretrained_dir)
        write_yaml_atomic(run.config_path, config)
        if executor == "inline":
            _run_inline(run, config, resume)
            log_path, rc = None, 0
        else:
            module = ["textbench.baselines"] if run.arm.kind == "baseline" else ["textbench", "train"]
            cmd = [sys.executable, "-m", *module, str(run.config_path)] + (["--resume"] if resume else [])
            rc = _run_subprocess(cmd, tmp_log, (lambda: tick(tmp_log)) if tick else None)
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
    try:
        return f"{read_json(run.run_dir / 'test_metrics.json')['macro_f1']:.3f}"
    except (OSError, ValueError, KeyError):
        return "?"


def plan_status(study: Study) -> list[tuple[PlannedRun, str]]:
    """(run, what `textbench study` would do with it): skip | resume | restart | start."""
    out = []
    for run in study.runs():
        status = run_status(run.run_dir)
        if status == "complete":
            what = "skip (complete)"
        elif run.run_dir.exists():
            what = "resume" if run.arm.kind != "baseline" and _has_checkpoint(run.run_dir) else "restart"
        else:
            what = "start"
        out.append((run, what))
    return out


def run_study(study: Study, *, executor: Executor = "subprocess", progress: bool = True,
              write_report: bool = True) -> StudyResult:
    """Validate everything, run what is missing, write the report; failed runs raise RunError at the end."""
    from tqdm.auto import tqdm

    from textbench.report.collect import stale_runs

    notes, prepared = preflight(study)
    runs = study.runs()
    result = StudyResult(study.dir)
    with _study_lock(study.dir):
        write_yaml_atomic(study.dir / STUDY_FILE, {**study.to_dict(), "notes": notes})
        write_data_json(study, prepared)
        train_shared_tokenizers(study)
        for note in notes:
            log.warning("note: %s", note)
        for msg in stale_runs(study.dir):
            log.warning("warning: %s", msg)
        bar = tqdm(total=len(runs), unit="run", desc=study.name, disable=not progress, dynamic_ncols=True)
        try:
            for run in runs:
                bar.set_description(f"{study.name}: {run.key}")
                started = time.perf_counter()

                def tick(log_path: Path, run: PlannedRun = run, started: float = started) -> None:
                    epoch = log_epoch(log_path)
                    epochs = (run.arm.settings.get("train") or {}).get("epochs")
                    at = f", epoch {epoch:.2f}/{epochs:g}" if epoch is not None and epochs else ""
                    bar.set_postfix_str(f"{run.key} running {time.perf_counter() - started:.0f}s{at}")

                outcome = run_one(run, executor, tick if progress else None)
                result.outcomes.append(outcome)
                if outcome.status == "failed":
                    where = f" (log: {outcome.log_path})" if outcome.log_path else ""
                    bar.write(f"run {run.key} failed: {outcome.message}{where}")
                elif outcome.status == "complete":
                    bar.set_postfix_str(f"{run.key} macro-F1 {_macro_f1(run)} in {outcome.seconds:.0f}s")
                bar.update(1)
        finally:
            bar.close()
        if write_report:
            from textbench.report import build_report

            result.report = build_report(study.dir)
    failed = [o for o in result.outcomes if o.status == "failed"]
    if failed:
        listing = "; ".join(f"{o.run.key}: {o.message}" for o in failed[:5])
        more = f" (and {len(failed) - 5} more)" if len(failed) > 5 else ""
        raise RunError(
            f"{len(failed)} of {len(runs)} runs failed ({listing}{more}); the report covers the completed"
            " runs; run the same command again to retry the failed ones"
        )
    return result
