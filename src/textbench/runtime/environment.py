"""Seeds, threads, device and precision, and what the run ran on."""

from __future__ import annotations

import os
import platform
import random
import subprocess
from pathlib import Path
from typing import Any

import numpy as np

from textbench.utils.versions import library_versions  # noqa: F401  (re-exported for run manifests)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and torch (CPU and CUDA)."""
    import transformers

    random.seed(seed)
    np.random.seed(seed)
    transformers.set_seed(seed)


def physical_cores() -> int:
    try:
        import psutil

        n = psutil.cpu_count(logical=False)
        if n:
            return int(n)
    except Exception:  # pragma: no cover - psutil missing
        pass
    return os.cpu_count() or 1


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - non-Linux
        return os.cpu_count() or 1


def configure_threads(threads: int | None) -> int:
    """Use every core we may run on (torch sometimes starts with fewer), shared out among the
    processes of this machine under torchrun/accelerate launch (or what a study's executor gave the run)."""
    from textbench.runtime.cpus import threads_from_env
    from textbench.runtime.distributed import threads_per_process

    import torch

    n = threads or threads_from_env() or threads_per_process(available_cores())
    torch.set_num_threads(n)
    return n


def _cpu_name() -> str:
    return f"cpu:{platform.processor() or platform.machine()}"


def device_name() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda:{torch.cuda.get_device_name(0)}"
    return _cpu_name()


def use_bf16(precision: str) -> bool:
    """bf16 autocast: on when asked; on 'auto' only on CUDA GPUs that support it."""
    if precision == "bf16":
        return True
    if precision == "fp32":
        return False
    import torch

    return bool(torch.cuda.is_available() and torch.cuda.is_bf16_supported())


def git_commit(path: Path | None = None) -> str | None:
    """The commit of the textbench checkout, when it is one."""
    here = path or Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None if out.returncode == 0 else None


def machine_info(uses_torch: bool = True) -> dict[str, Any]:
    """What the run ran on; ``uses_torch=False`` (baselines) leaves torch out, and does not import it."""
    if not uses_torch:
        return {"device": _cpu_name(), "platform": platform.platform(),
                "cpu_count": os.cpu_count()}
    import torch

    info: dict[str, Any] = {
        "device": device_name(),
        "platform": platform.platform(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
    }
    if torch.cuda.is_available():
        info["cuda"] = torch.version.cuda
        info["gpu_count"] = torch.cuda.device_count()
    return info
