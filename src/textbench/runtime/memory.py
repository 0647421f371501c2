"""Peak memory: process RSS on CPU, torch.cuda.max_memory_allocated on GPU.

torch is not imported here: a process that has not imported it (a baseline run) used no GPU.
"""

from __future__ import annotations

import resource
import sys


def _cuda() -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and torch.cuda.is_available()


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far, in MiB.

    Linux: ``VmHWM`` of /proc/self/status, this program's own high-water mark. ``ru_maxrss`` is
    not: a process started by a large one (a study's run) inherits its parent's peak through
    fork and exec, so every run of a study would report at least the study's own memory.
    """
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except (OSError, ValueError, IndexError):
        pass
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return r / 1024.0 if sys.platform != "darwin" else r / (1024.0 * 1024.0)


def reset_cuda_peak() -> None:
    if _cuda():
        sys.modules["torch"].cuda.reset_peak_memory_stats()


def peak_memory() -> dict[str, float]:
    out = {"peak_rss_mb": round(peak_rss_mb(), 1)}
    if _cuda():
        out["peak_cuda_mb"] = round(sys.modules["torch"].cuda.max_memory_allocated() / 2**20, 1)
    return out
