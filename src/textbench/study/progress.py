"""A study's progress: a bar on a terminal, plain lines in a log file or CI.

On a terminal, one tqdm bar (what runs, its epoch, the last result). Elsewhere a line when a
run starts and when it ends, and a heartbeat per running run at most once a minute, so a log
holds a few lines per run instead of one every two seconds. Both give the time left from the
durations of the runs trained so far (runs found complete cost nothing and do not count).
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


class StudyProgress:
    HEARTBEAT_SECONDS = 60.0

    def __init__(self, name: str, total: int, *, enabled: bool, jobs: int = 1, stream: IO[str] | None = None) -> None:
        self.name, self.total, self.jobs = name, total, max(jobs, 1)
        self.stream = stream or sys.stderr
        self.done = 0
        self.durations: list[float] = []
        self._beats: dict[str, float] = {}
        self._postfix = ""
        tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.lines = enabled and not tty
        self.bar: Any = None
        if enabled and tty:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="run", desc=name, dynamic_ncols=True, file=self.stream,
                            bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")

    def left(self) -> str:
        """The time left from the runs trained so far ('' before the first)."""
        remaining = self.total - self.done
        if not self.durations or remaining <= 0:
            return ""
        minutes = sum(self.durations) / len(self.durations) * remaining / self.jobs / 60
        return f"about {minutes:.0f} min left" if minutes >= 1 else "under a minute left"

    def _say(self, text: str) -> None:
        print(text, file=self.stream, flush=True)

    def _show(self, text: str) -> None:
        self._postfix = text
        if self.bar is not None:
            eta = self.left()
            self.bar.set_postfix_str(f"{text}{'; ' + eta if eta else ''}")

    def started(self, key: str) -> None:
        self._beats[key] = time.monotonic()
        if self.bar is not None and self.jobs == 1:
            self.bar.set_description(f"{self.name}: {key}")
        if self.lines:
            self._say(f"{self.name}: [{self.done + 1}/{self.total}] {key} started")

    def running(self, key: str, text: str) -> None:
        """A heartbeat: shown on the bar at once, in a log at most once a minute per run."""
        self._show(f"{key} {text}")
        if self.lines and time.monotonic() - self._beats.get(key, 0.0) >= self.HEARTBEAT_SECONDS:
            self._beats[key] = time.monotonic()
            self._say(f"{self.name}: {key} {text}")

    def finished(self, key: str, status: str, text: str, seconds: float | None) -> None:
        self.done += 1
        if status == "complete" and seconds is not None:
            self.durations.append(seconds)
        self._beats.pop(key, None)
        if status == "failed":
            self._write(f"run {key} failed: {text}")
        elif status == "complete":
            self._show(f"{key} {text}")
        if self.bar is not None:
            self.bar.update(1)
        if self.lines:
            eta = self.left()
            self._say(f"{self.name}: [{self.done}/{self.total}] {key} {status if status != 'complete' else text}"
                      + (f"; {eta}" if eta else ""))

    def _write(self, text: str) -> None:
        if self.bar is not None:
            self.bar.write(text)
        elif self.lines:
            self._say(text)
        else:
            print(text, file=self.stream, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
