"""Target 4: forward+backward time and peak memory of mha / performer / lsh attention against length.

    python -m bench attention_scaling [--quick]

The from-scratch encoder of the attention ablation study (width 256, 4 heads, intermediate 1024,
here 2 layers; performer with its default head_size*ln(head_size) = 266 random features; lsh with
buckets of 32 tokens, 2 hash rounds, one bucket per 32 positions), batch 1, train mode (dropout on,
as in training), a classification loss, fp32, all cores. Each (attention, length) point runs in a
fresh Python process: it builds the model, records its resident memory, runs one warm-up step and
then the timed steps (the best is kept: other jobs on a shared machine only ever add time);
**peak memory** is the process's peak resident set (``ru_maxrss``) minus the
resident set before the first step, i.e. what one training step at that length adds (activations,
attention scores, gradients, allocator slack). On CUDA it is ``torch.cuda.max_memory_allocated``.
Crossovers are interpolated on log-log axes between measured lengths; memory growth is the slope of
log(memory) on log(length) over the lengths >= 1,024.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import RESULTS, ROOT, md_table

TYPES = ("mha", "performer", "lsh")
LENGTHS_FULL = (128, 256, 512, 1024, 2048, 4096, 8192)
LENGTHS_QUICK = (128, 512, 2048)
ARCH = dict(hidden_size=256, num_hidden_layers=2, num_attention_heads=4, intermediate_size=1024, vocab_size=8000)
PLOT = RESULTS / "attention_scaling.png"
PLOT_QUICK = RESULTS / "attention_scaling.quick.png"


# ---- one point, in a fresh process -----------------------------------------------------------

def _rss_mib() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _peak_rss_mib() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def measure_point(attention: str, length: int, repeats: int, threads: int | None = None) -> dict[str, Any]:
    import torch

    import textbench.models  # noqa: F401
    from textbench.models import TextbenchConfig, TextbenchForSequenceClassification

    from bench.common import set_threads

    set_threads(threads)
    torch.manual_seed(0)
    cuda = torch.cuda.is_available()
    dev = torch.device("cuda" if cuda else "cpu")
    cfg = TextbenchConfig(kind="encoder", attention_type=attention, max_position_embeddings=max(512, length),
                          pooling="mean", classifier_head="mlp", num_labels=6, **ARCH)
    model = TextbenchForSequenceClassification(cfg).to(dev).train()
    params = sum(p.numel() for p in model.parameters())
    ids = torch.randint(5, ARCH["vocab_size"], (1, length), device=dev)
    mask = torch.ones_like(ids)
    labels = torch.tensor([1], device=dev)
    autocast = torch.autocast("cuda", dtype=torch.bfloat16, enabled=cuda and torch.cuda.is_bf16_supported())

    def step() -> None:
        with autocast:
            loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        model.zero_grad(set_to_none=True)
        if cuda:
            torch.cuda.synchronize()

    if cuda:
        torch.cuda.synchronize()
        base = torch.cuda.memory_allocated()
        torch.cuda.reset_peak_memory_stats()
    rss0 = _rss_mib()
    t = time.perf_counter()
    step()  # warm-up (and the memory peak of one step)
    first = time.perf_counter() - t
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        step()
        times.append(time.perf_counter() - t)
    if cuda:
        peak = (torch.cuda.max_memory_allocated() - base) / 2**20
        kind = "CUDA max_memory_allocated"
    else:
        peak = _peak_rss_mib() - rss0
        kind = "peak RSS minus RSS before the first step"
    import statistics

    return {"attention": attention, "length": length, "seconds": min(times), "seconds_median": statistics.median(times),
            "seconds_first": round(first, 4), "repeats": repeats, "peak_mib": round(peak, 1),
            "memory_kind": kind, "parameters": params, "device": str(dev), "threads": torch.get_num_threads()}


def _point_in_subprocess(attention: str, length: int, repeats: int, timeout: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.attention_scaling", "--point", attention, str(length), str(repeats)]
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    try:
        out = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"attention": attention, "length": length, "error": f"timed out after {timeout:.0f} s"}
    if out.returncode != 0:
        tail = (out.stderr.strip().splitlines() or ["?"])[-1]
        return {"attention": attention, "length": length, "error": f"exit {out.returncode}: {tail}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---- analysis -------------------------------------------------------------------------------

def _series(points: list[dict], attention: str, key: str) -> list[tuple[int, float]]:
    return sorted((p["length"], p[key]) for p in points if p["attention"] == attention and key in p)


def crossover(points: list[dict], other: str, key: str = "seconds") -> dict[str, Any]:
    """The first length at which ``other`` beats mha on ``key`` (log-log interpolation)."""
    a, b = dict(_series(points, "mha", key)), dict(_series(points, other, key))
    lengths = sorted(set(a) & set(b))
    prev = None
    for L in lengths:
        r = b[L] / a[L]  # < 1: other wins
        if r < 1:
            if prev is None:
                return {"length": L, "bracket": [None, L], "note": f"{other} already wins at the shortest length"}
            L0, r0 = prev
            x = math.log(L0) + (math.log(L) - math.log(L0)) * (0 - math.log(r0)) / (math.log(r) - math.log(r0))
            return {"length": int(round(math.exp(x))), "bracket": [L0, L]}
        prev = (L, r)
    if not lengths:
        return {"length": None, "bracket": None, "note": "no common lengths"}
    # extrapolate from the last two lengths (ratio of power laws), only as an estimate
    note = f"mha still faster at {lengths[-1]:,}"
    if len(lengths) >= 2:
        (L0, L1) = lengths[-2:]
        r0, r1 = b[L0] / a[L0], b[L1] / a[L1]
        if r1 < r0:
            x = math.log(L1) + (math.log(L1) - math.log(L0)) * (-math.log(r1)) / (math.log(r1) - math.log(r0))
            return {"length": None, "bracket": [lengths[-1], None], "extrapolated": int(round(math.exp(x))),
                    "note": note + f"; extrapolated crossover about {int(round(math.exp(x))):,}"}
    return {"length": None, "bracket": [lengths[-1], None], "note": note}


def loglog_slope(series: list[tuple[int, float]], min_length: int = 1024) -> float | None:
    pts = [(math.log(L), math.log(v)) for L, v in series if L >= min_length and v > 0]
    if len(pts) < 2:
        pts = [(math.log(L), math.log(v)) for L, v in series[-2:] if v > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return round(sum((x - mx) * (y - my) for x, y in pts) / sxx, 2) if sxx else None


def plot(points: list[dict], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    for att, color in zip(TYPES, ("tab:blue", "tab:orange", "tab:green")):
        for ax, key, scale in ((axes[0], "seconds", 1000), (axes[1], "peak_mib", 1)):
            s = _series(points, att, key)
            if s:
                ax.plot([L for L, _ in s], [v * scale for _, v in s], "o-", color=color, label=att)
    axes[0].set_ylabel("forward + backward (ms, best of repeats)")
    axes[1].set_ylabel("peak memory added by one step (MiB)")
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("sequence length (tokens, batch 1)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})
    plt.close(fig)


# ---- benchmark interface --------------------------------------------------------------------

def run(quick: bool) -> dict[str, Any]:
    lengths = LENGTHS_QUICK if quick else LENGTHS_FULL
    points: list[dict] = []
    for L in lengths:
        for att in TYPES:
            repeats = (3 if L <= 512 else 2) if quick else (5 if L <= 1024 else 3 if L <= 4096 else 2)
            p = _point_in_subprocess(att, L, repeats, timeout=600)
            points.append(p)
            print(f"  {att:9s} {L:6d}: " + (p["error"] if "error" in p else
                  f"{1000 * p['seconds']:9.1f} ms  peak +{p['peak_mib']:8.1f} MiB"), flush=True)
    analysis = {
        "crossover_performer": crossover(points, "performer"),
        "crossover_lsh": crossover(points, "lsh"),
        "memory_crossover_performer": crossover(points, "performer", "peak_mib"),
        "memory_crossover_lsh": crossover(points, "lsh", "peak_mib"),
        "memory_slope": {a: loglog_slope(_series(points, a, "peak_mib")) for a in TYPES},
        "time_slope": {a: loglog_slope(_series(points, a, "seconds")) for a in TYPES},
    }
    path = PLOT_QUICK if quick else PLOT
    dev = next((p.get("device") for p in points if "device" in p), "cpu")
    plot(points, path, f"textbench encoder, 2 layers, width 256, 4 heads, batch 1, fp32, {dev}"
         + (" (quick mode)" if quick else ""))
    return {"architecture": {**ARCH, "pooling": "mean", "classifier_head": "mlp", "performer_num_features": 266,
                             "lsh_bucket_size": 32, "lsh_num_hashes": 2},
            "lengths": list(lengths), "points": points, "analysis": analysis,
            "plot": str(path.relative_to(ROOT))}


def _cross_text(c: dict) -> str:
    if c.get("length"):
        lo = c["bracket"][0]
        return f"about {c['length']:,} tokens" + (f" (between {lo:,} and {c['bracket'][1]:,})" if lo else "")
    return c.get("note", "not found")


def rule_of_thumb(result: dict) -> str:
    a = result["analysis"]
    cp, cl = a["crossover_performer"], a["crossover_lsh"]
    ms = a["memory_slope"]

    def at(c: dict) -> str:
        if c.get("length"):
            return f"~{c['length']:,}"
        if c.get("extrapolated"):
            return f"~{c['extrapolated']:,} (extrapolated)"
        return f"> {c['bracket'][0]:,}" if c.get("bracket") else "?"

    return (f"On this CPU, `mha` (SDPA) is the fastest attention below {at(cp)} tokens per sequence; `performer`"
            f" (FAVOR+) is faster above it and `lsh` above {at(cl)} tokens. Memory: `mha` grows as length^"
            f"{ms.get('mha')}, `performer` as length^{ms.get('performer')}, `lsh` as length^{ms.get('lsh')}"
            " (log-log slope over lengths >= 1,024, or the two longest). For texts of a few hundred tokens (tweets, reviews) keep `mha`:"
            " the efficient kinds only pay off on long documents, or when `mha` runs out of memory.")


def verdict(result: dict) -> dict:
    a = result["analysis"]
    ms = a["memory_slope"]
    lin = [x for x in ("performer", "lsh") if ms.get(x) is not None]
    linear = all(ms[x] <= 1.25 for x in lin) and bool(lin)
    cp, cl = a["crossover_performer"], a["crossover_lsh"]
    found = [n for n, c in (("performer", cp), ("lsh", cl)) if c.get("length")]
    top = max(result["lengths"])
    measured = (f"crossover vs mha: performer {_cross_text(cp)}, lsh {_cross_text(cl)}; memory slope"
                f" mha {ms.get('mha')}, performer {ms.get('performer')}, lsh {ms.get('lsh')}")
    notes = []
    if not linear:
        notes.append("performer/lsh memory grows faster than linear here (slope > 1.25)")
    if len(found) < 2:
        notes.append(f"no crossover up to {top:,} tokens for {', '.join(n for n in ('performer', 'lsh') if n not in found)}"
                     + (" (quick mode measures 128, 512 and 2,048 only; the full mode goes to 8,192)" if result.get("quick") else ""))
    if result.get("quick"):
        notes.append("quick mode measures 128 to 2,048 tokens only: the verdict needs the full run (to 8,192)")
    return {"target": "table + plot 128..8,192 tokens, crossover found, performer/lsh memory linear (slope <= 1.25)",
            "measured": measured, "met": (linear and len(found) == 2) if not result.get("quick") else None,
            "note": "; ".join(notes)}


def markdown(result: dict) -> str:
    pts = result["points"]
    by = {(p["attention"], p["length"]): p for p in pts}
    rows = []
    for L in result["lengths"]:
        row: list[Any] = [f"{L:,}"]
        for att in TYPES:
            p = by.get((att, L), {})
            row.append(p.get("error", f"{1000 * p['seconds']:,.1f}") if p else "–")
        for att in TYPES:
            p = by.get((att, L), {})
            row.append("–" if not p or "error" in p else f"{p['peak_mib']:,.0f}")
        rows.append(row)
    a = result["analysis"]
    mk = next((p.get("memory_kind") for p in pts if "memory_kind" in p), "?")
    arch = result["architecture"]
    from textbench.report import attention_note as note

    noted = (f"The note that `textbench report` adds to attention ablation studies"
             f" (`src/textbench/report/attention_note.py`) says performer ~{note.PERFORMER_CROSSOVER:,},"
             f" lsh ~{note.LSH_CROSSOVER:,} tokens ({note.MEASURED}); update it when this measurement moves.")
    return (
        f"The from-scratch encoder: {arch['num_hidden_layers']} layers, width {arch['hidden_size']},"
        f" {arch['num_attention_heads']} heads, intermediate {arch['intermediate_size']}; performer"
        f" {arch['performer_num_features']} random features; lsh buckets of {arch['lsh_bucket_size']},"
        f" {arch['lsh_num_hashes']} hash rounds. Batch 1, train mode, fp32, one fresh process per point."
        f" Time: forward + backward of one step, the best of the timed steps (the one least disturbed by other jobs on a shared machine; medians are in the JSON). Memory: {mk}.\n\n"
        + md_table(["length", *(f"{t} ms" for t in TYPES), *(f"{t} MiB" for t in TYPES)], rows)
        + f"\n\n![attention scaling]({Path(result['plot']).relative_to('.')})\n\n"
        f"- Time crossover (first length where the kind is faster than `mha`): performer"
        f" {_cross_text(a['crossover_performer'])}; lsh {_cross_text(a['crossover_lsh'])}.\n"
        f"- Memory crossover: performer {_cross_text(a['memory_crossover_performer'])}; lsh"
        f" {_cross_text(a['memory_crossover_lsh'])}.\n"
        f"- Log-log slope over lengths >= 1,024 (or the two longest measured), memory: "
        + ", ".join(f"{k} {v}" for k, v in a["memory_slope"].items())
        + "; time: " + ", ".join(f"{k} {v}" for k, v in a["time_slope"].items()) + " (1 = linear, 2 = quadratic).\n\n"
        f"**Rule of thumb.** {rule_of_thumb(result)}\n\n{noted}"
    )


if __name__ == "__main__":
    if len(sys.argv) >= 2 and sys.argv[1] == "--point":
        import warnings

        warnings.filterwarnings("ignore")
        print(json.dumps(measure_point(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))))
    else:
        from bench.__main__ import main

        sys.exit(main(["attention_scaling", *sys.argv[1:]]))
