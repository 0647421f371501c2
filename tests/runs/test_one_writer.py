"""Two processes never train one run folder (#17 case 1), through the CLI as a user would.

A run is started and killed (-9) once it has a checkpoint; `train --resume` continues it
and, while it trains, a second `train --resume` exits 2 naming the first one's PID. When
the first is killed too, `--resume` finishes the run (within a short time budget).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from helpers.cli import tiny_run_config
from textbench.runs.lock import lock_holder


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "textbench", *args]


def _wait(cond, proc: subprocess.Popen, what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        assert proc.poll() is None, f"the run ended before {what}: {proc.communicate()[0]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def _has_checkpoint(run: Path) -> bool:
    ckpts = run / "checkpoints"
    return ckpts.is_dir() and any(p.name.startswith("checkpoint-") for p in ckpts.iterdir())


def test_two_resumes_one_trains_the_other_is_refused_with_the_holders_pid(tmp_path, tiny_csv, tiny_bert_dir):
    cfg = tiny_run_config(tmp_path / "r.yaml", tiny_csv, tiny_bert_dir, epochs=400, threads=1)
    args = ["train", str(cfg), "--output-dir", str(tmp_path / "runs")]
    run = tmp_path / "runs" / "r"
    first = subprocess.Popen(_cli(*args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    _wait(lambda: _has_checkpoint(run), first, "a checkpoint")
    first.kill()
    first.wait()
    assert lock_holder(run) is None  # the OS released the dead process's lock

    holder = subprocess.Popen(_cli(*args, "--resume"), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        _wait(lambda: lock_holder(run) == str(holder.pid), holder, "the resumed run to hold the folder")
        second = subprocess.run(_cli(*args, "--resume"), capture_output=True, text=True, timeout=120)
        assert second.returncode == 2, second.stderr
        assert f"being trained by process {holder.pid}" in second.stderr and "Traceback" not in second.stderr
        again = subprocess.run(_cli(*args), capture_output=True, text=True, timeout=120)  # not "use --resume"
        assert again.returncode == 2 and f"process {holder.pid}" in again.stderr
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait()
    # a time budget may change on resume (it paces the run, not what it learns): finish quickly
    last = subprocess.run(_cli(*args, "--resume", "--set", "train.max_minutes=0.05"), capture_output=True, text=True,
                          timeout=300)
    assert last.returncode == 0, last.stderr
    assert '"status": "complete"' in (run / "manifest.json").read_text()
