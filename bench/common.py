"""Helpers shared by the benchmarks: machine description, results JSON, timing, matmul ceiling, Markdown."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path
from typing import Any, Callable, Sequence

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"


# ---- machine --------------------------------------------------------------------------------

def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def cpu_flags() -> list[str]:
    """The vector-unit flags that matter for torch on CPU (avx2, avx512*, amx*)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = line.split(":", 1)[1].split()
                return sorted(f for f in flags if f.startswith(("avx2", "avx512_bf16", "avx512f", "amx", "avx_vnni")))
    except OSError:
        pass
    return []


def load_average() -> list[float]:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover
        return []


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        return os.cpu_count() or 1


def machine_info() -> dict[str, Any]:
    import importlib.metadata as md

    import torch

    info: dict[str, Any] = {
        "cpu_model": cpu_model(),
        "cpu_flags": cpu_flags(),
        "cpu_count": os.cpu_count(),
        "cores_available": available_cores(),
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }
    for name in ("torch", "transformers", "peft", "textbench"):
        try:
            info[name] = md.version(name)
        except md.PackageNotFoundError:
            pass
    try:
        import psutil

        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # pragma: no cover
        pass
    if torch.cuda.is_available():
        info["gpu"] = torch.cuda.get_device_name(0)
        info["cuda"] = torch.version.cuda
    return info


def set_threads(threads: int | None = None) -> int:
    """All cores we may run on unless told otherwise (``threads``, or ``$BENCH_THREADS``)."""
    import torch

    n = threads or int(os.environ.get("BENCH_THREADS") or 0) or available_cores()
    torch.set_num_threads(n)
    return n


# ---- results --------------------------------------------------------------------------------

def result_path(name: str, quick: bool) -> Path:
    return RESULTS / (f"{name}.quick.json" if quick else f"{name}.json")


def save_result(name: str, quick: bool, result: dict[str, Any]) -> Path:
    path = result_path(name, quick)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, default=_json_default) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def _json_default(o: Any) -> Any:
    try:
        import numpy as np

        if isinstance(o, np.generic):
            return o.item()
        if isinstance(o, np.ndarray):
            return o.tolist()
    except ImportError:  # pragma: no cover
        pass
    if isinstance(o, Path):
        return str(o)
    raise TypeError(f"not JSON-able: {type(o).__name__}")


def load_result(name: str, quick: bool | None = None) -> dict[str, Any] | None:
    """The saved result; ``quick=None``: the full-mode one when present, else the quick one."""
    modes = [quick] if quick is not None else [False, True]
    for q in modes:
        p = result_path(name, q)
        if p.is_file():
            return json.loads(p.read_text(encoding="utf-8"))
    return None


def run_and_save(name: str, run: Callable[[bool], dict[str, Any]], quick: bool) -> tuple[dict[str, Any], Path]:
    """Call ``run(quick)`` with the machine, load averages, date and wall time around it; save the JSON."""
    set_threads()
    load_before = load_average()
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    t0 = time.perf_counter()
    result = run(quick)
    wall = time.perf_counter() - t0
    out = {
        "benchmark": name,
        "quick": quick,
        "date": started,
        "wall_seconds": round(wall, 1),
        "machine": machine_info(),
        "load_average_before": load_before,
        "load_average_after": load_average(),
        **{k: v for k, v in result.items() if k not in ("benchmark", "quick")},
    }
    return out, save_result(name, quick, out)


# ---- timing ---------------------------------------------------------------------------------

def time_call(fn: Callable[[], Any], *, repeats: int = 3, warmup: int = 1) -> dict[str, float]:
    """Wall seconds of ``fn()``: median, min and max over ``repeats`` after ``warmup`` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return {"median": statistics.median(times), "min": min(times), "max": max(times), "repeats": repeats}


class Stopwatch:
    """``with Stopwatch() as sw: ...``; then ``sw.seconds``."""

    def __enter__(self) -> "Stopwatch":
        self.t0 = time.perf_counter()
        self.seconds = 0.0
        return self

    def __exit__(self, *exc: Any) -> None:
        self.seconds = time.perf_counter() - self.t0


def measure_matmul_ceiling(threads: int | None = None, *, n: int = 2048, dtype: str = "float32",
                           seconds: float = 1.5) -> dict[str, float]:
    """Best fp32 (or ``dtype``) square-matmul throughput in GFLOP/s on ``threads`` torch threads.

    Repeats ``n x n @ n x n`` for about ``seconds`` after a warm-up and keeps the best run
    (the ceiling; the median is returned too). Restores the thread count afterwards.
    """
    import torch

    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        dt = getattr(torch, dtype)
        a, b = torch.randn(n, n, dtype=dt), torch.randn(n, n, dtype=dt)
        c = torch.empty(n, n, dtype=dt)
        for _ in range(2):
            torch.matmul(a, b, out=c)
        flops = 2.0 * n**3
        rates = []
        end = time.perf_counter() + seconds
        while time.perf_counter() < end or len(rates) < 3:
            t = time.perf_counter()
            torch.matmul(a, b, out=c)
            rates.append(flops / (time.perf_counter() - t) / 1e9)
        return {"gflops": round(max(rates), 1), "gflops_median": round(statistics.median(rates), 1),
                "threads": torch.get_num_threads(), "n": n, "dtype": dtype, "samples": len(rates)}
    finally:
        torch.set_num_threads(before)


# ---- Markdown -------------------------------------------------------------------------------

def md_table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    def cell(x: Any) -> str:
        return str(x).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def fmt(x: Any, digits: int = 3) -> str:
    """A number with ``digits`` significant digits (thousands separated), or a dash."""
    if x is None:
        return "–"
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if x == 0:
        return "0"
    if abs(x) >= 10 ** digits:
        return f"{x:,.0f}"
    return f"{x:,.{digits}g}" if abs(x) >= 1 else f"{x:.{digits}g}"


def run_line(result: dict[str, Any]) -> str:
    """One line: mode, date, wall time and load average of a saved result."""
    m = result.get("machine") or {}
    mode = "quick mode" if result.get("quick") else "full mode"
    cores = m.get("cores_available") or m.get("cpu_count") or 1
    loads = [x for x in (result.get("load_average_before") or [])[:1] + (result.get("load_average_after") or [])[:1]]
    busy = (f" **The machine was busy (load average up to {max(loads):g} on {cores} cores): other jobs shared the"
            " cores, so absolute times are inflated and noisy; re-run on a quiet machine.**"
            if loads and max(loads) > cores + 0.5 else "")
    return (f"*Measured {result.get('date', '?')} ({mode}, {result.get('wall_seconds', '?')} s; torch threads"
            f" {m.get('torch_threads', '?')}; load average before {result.get('load_average_before')}, after"
            f" {result.get('load_average_after')}).*" + busy)


def verdict_line(v: dict[str, Any]) -> str:
    met = v.get("met")
    word = "**met**" if met is True else "**not met**" if met is False else "**no verdict**"
    text = f"**Verdict.** Target: {v.get('target')}. Measured: {v.get('measured')}. {word}"
    if v.get("note"):
        text += f": {v['note']}"
    return text if text.endswith(".") else text + "."
