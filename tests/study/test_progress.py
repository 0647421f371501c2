"""A study in a log file: a line per run start and end, heartbeats at most once a minute, an honest ETA."""

from __future__ import annotations

import io

from textbench.study.progress import StudyProgress


def test_a_log_gets_a_few_lines_per_run_and_the_time_left_from_trained_runs(monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr("textbench.study.progress.time.monotonic", lambda: clock[0])
    out = io.StringIO()  # not a terminal
    p = StudyProgress("demo", 4, enabled=True, stream=out)
    p.started("majority/seed-1")
    p.finished("majority/seed-1", "skipped", "skipped", None)  # found complete: costs nothing
    p.started("scratch/seed-1")
    for _ in range(30):  # a heartbeat every 2 s for a minute
        clock[0] += 2
        p.running("scratch/seed-1", "running, epoch 1/3")
    p.finished("scratch/seed-1", "complete", "macro-F1 0.600 in 120s", 120.0)
    lines = out.getvalue().splitlines()
    assert len(lines) == 5, lines  # started, skipped, started, one heartbeat, finished
    assert lines[1] == "demo: [1/4] majority/seed-1 skipped"
    assert lines[-1] == "demo: [2/4] scratch/seed-1 macro-F1 0.600 in 120s; about 4 min left"  # 2 runs x 120 s
    assert p.bar is None


def test_disabled_progress_prints_only_failures():
    out = io.StringIO()
    p = StudyProgress("demo", 1, enabled=False, stream=out)
    p.started("a/seed-1")
    p.finished("a/seed-1", "failed", "boom (log: x)", None)
    assert out.getvalue().strip() == "run a/seed-1 failed: boom (log: x)"
