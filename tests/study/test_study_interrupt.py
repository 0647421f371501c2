"""A study interrupted anywhere resumes without redoing finished runs or losing their results.

Through the CLI, as a user would: ``textbench study FILE`` runs in its own process group; once
the first run is complete and the second is training, the study gets Ctrl-C (SIGINT), SIGTERM
(what schedulers and ``docker stop`` send) or is killed (SIGKILL). Ctrl-C and SIGTERM stop it
after the running run saves (the third arm never starts; exit 130 with the command that
continues); after kill -9 its training child does not live on as an orphan (it saves and
exits). The same command then finishes the study: the complete run is skipped
(its test_metrics.json keeps its bytes and mtime), the interrupted one is resumed from its
checkpoint or restarted, every run ends complete and the report is written.
"""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml


def study_file(tmp_path: Path, model_dir: Path) -> Path:
    tiny = {"model.name_or_path": str(model_dir)}
    data = {
        "name": "tiny",
        "data": {"source": "builtin:tweets-sentiment", "max_train_samples": 60, "max_eval_samples": 60},
        "seeds": [1],
        "baselines": [],
        "shared": {"tokenizer": {"max_length": 32},
                   "train": {"epochs": 1, "batch_size": 16, "logging_steps": 1, "threads": 1,
                             "learning_rate": 1e-3},
                   "eval": {"reference_before_training": False}},
        # the second run is long enough (4 steps and a checkpoint per epoch) to be caught mid-training
        "arms": [{"name": "first", "set": tiny},
                 {"name": "second", "set": {**tiny, "train.epochs": 8}},
                 {"name": "third", "set": tiny}],
    }
    path = tmp_path / "tiny.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def status(run: Path) -> str | None:
    try:
        return json.loads((run / "manifest.json").read_text(encoding="utf-8")).get("status")
    except (OSError, ValueError):
        return None


def has_checkpoint(run: Path) -> bool:
    ckpts = run / "checkpoints"
    return ckpts.is_dir() and any(p.name.startswith("checkpoint-") for p in ckpts.iterdir())


def env() -> dict[str, str]:
    e = dict(os.environ)
    return e


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, tiny_bert_dir) -> Path:
    """The same study, never interrupted: what every interrupted study must end with (run inline, one
    process for all runs: the interrupted studies' subprocess runs must match it)."""
    tmp = tmp_path_factory.mktemp("uninterrupted")
    cmd = [sys.executable, "-m", "textbench", "study", str(study_file(tmp, tiny_bert_dir)),
           "--output-dir", str(tmp / "studies"), "--no-progress", "--inline"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env())
    assert done.returncode == 0, done.stderr[-2000:]
    return tmp / "studies" / "tiny" / "runs"


def _as_in_a_terminal() -> None:
    """Ctrl-C handled as in a terminal's foreground job, even when the tests run as a background job of a
    script (which ignores SIGINT, and a child inherits that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # reparented and not yet reaped: a zombie trains nothing
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return True


# SIGTERM takes Ctrl-C's path (the CLI turns one into the other; tests/runs/test_faults.py sends it to a
# run in the default selection): its study-level case runs with `pytest -m slow`
@pytest.mark.parametrize("sig, when", [(signal.SIGINT, "running"),
                                       pytest.param(signal.SIGTERM, "running", marks=pytest.mark.slow),
                                       (signal.SIGKILL, "checkpoint")],
                         ids=["sigint-while-training", "sigterm-while-training", "sigkill-after-a-checkpoint"])
def test_interrupted_study_resumes_without_redoing_finished_runs(tmp_path, tiny_bert_dir, uninterrupted, sig, when):
    cmd = [sys.executable, "-m", "textbench", "study", str(study_file(tmp_path, tiny_bert_dir)),
           "--output-dir", str(tmp_path / "studies"), "--no-progress"]
    sdir = tmp_path / "studies" / "tiny"
    first, second = sdir / "runs" / "first" / "seed-1", sdir / "runs" / "second" / "seed-1"

    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env(),
                            start_new_session=True,  # its own process group, like a terminal's job
                            preexec_fn=_as_in_a_terminal)
    deadline = time.monotonic() + 180
    try:
        while True:
            ready = status(first) == "complete" and status(second) == "running"
            if ready and (when == "running" or has_checkpoint(second)):
                break
            assert proc.poll() is None, f"the study ended before it could be interrupted:\n{proc.stdout.read()}"
            assert time.monotonic() < deadline, "the second run never started"
            time.sleep(0.05)
        from textbench.runs.lock import lock_holder

        child = int(lock_holder(second))  # the process training the second run
        os.killpg(proc.pid, sig)
        out, _ = proc.communicate(timeout=180)
        deadline = time.monotonic() + 120
        while alive(child):  # no orphan: the child stops with the study, however the study ends
            assert time.monotonic() < deadline, f"the training process {child} outlived the study"
            time.sleep(0.1)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    assert proc.returncode != 0, out
    if sig != signal.SIGKILL:
        assert proc.returncode == 130 and "error: interrupted" in out, out
        assert f"continue with `{shlex.join(cmd[2:])}`" in out, out  # the same command, every option kept
    else:
        assert proc.returncode == -signal.SIGKILL
    assert status(second) == "interrupted"  # the run saw the stop and recorded it
    assert not (sdir / "runs" / "third").exists()  # nothing started after the stop
    assert status(first) == "complete" and not (second / "test_metrics.json").exists()
    metrics = first / "test_metrics.json"
    before = (metrics.read_bytes(), metrics.stat().st_mtime_ns)
    resumable = has_checkpoint(second)

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env())
    assert again.returncode == 0, (again.stdout + again.stderr)[-3000:]
    assert (metrics.read_bytes(), metrics.stat().st_mtime_ns) == before  # not redone, not rewritten
    assert status(first) == status(second) == status(sdir / "runs" / "third" / "seed-1") == "complete"
    for arm in ("first", "second", "third"):  # the metrics of a study that was never interrupted
        got = json.loads((sdir / "runs" / arm / "seed-1" / "test_metrics.json").read_text())
        ref = json.loads((uninterrupted / arm / "seed-1" / "test_metrics.json").read_text())
        assert got["confusion_matrix"] == ref["confusion_matrix"], arm
        assert got["loss"] == pytest.approx(ref["loss"], rel=1e-4), arm
    assert (second / "test_metrics.json").is_file() and not (second / "checkpoints").exists()
    log = (second / "train.log").read_text(encoding="utf-8")
    if resumable:  # continued from its last complete checkpoint, not started over
        commands = [ln for ln in log.splitlines() if ln.startswith("$ ")]  # one per attempt, appended
        assert commands[-1].endswith("--resume"), log[:500]
    assert (sdir / "report.md").is_file() and (sdir / "report.html").is_file()
    md = (sdir / "report.md").read_text(encoding="utf-8")
    assert "`first`" in md and "`second`" in md and "no complete run" not in md
