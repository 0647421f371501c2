"""Peak memory is the process's own: a run started by a large process does not inherit its peak."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmHWM is Linux's")
def test_a_child_of_a_large_process_reports_its_own_peak():
    code = ("import subprocess, sys\n"
            "ballast = bytearray(300 * 2**20)\n"
            "for i in range(0, len(ballast), 4096): ballast[i] = 1\n"
            "child = 'from textbench.runtime.memory import peak_rss_mb; print(peak_rss_mb())'\n"
            "print(subprocess.run([sys.executable, '-c', child], capture_output=True, text=True).stdout)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert float(out.stdout.strip()) < 200  # a bare interpreter, not the parent's 300 MiB
