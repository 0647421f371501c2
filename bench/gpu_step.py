"""The from-scratch training step on a CUDA GPU: fp32, TF32 and bf16 autocast, against BERT, with MFU
against the GPU's bf16 matmul ceiling (measured) and its nominal dense bf16 peak.

    python -m bench gpu_step            # needs a CUDA GPU; scripts/device_checks.sh runs it on a lent one
    python -m bench gpu_step --quick    # fewer rounds

The models and the step are bench/scratch_step.py's (4 layers, 4 heads, width 192, intermediate
768, vocabulary 8,000; forward with labels, backward, clipping, fused AdamW, zero_grad), at two
shapes: the CPU benchmark's batch 32 x length 64, where each kernel is too small to fill a GPU
(launch-bound: MFU says how far from compute-bound), and batch 256 x length 128. Precisions:
fp32 (TF32 off), TF32 matmuls, bf16 autocast (what `train.precision: auto` uses on such a GPU).
Rounds alternate between textbench and BERT; each round is timed between ``torch.cuda.synchronize``
calls; the figure is the best round (median kept). MFU = the step's analytic FLOPs (scratch_step's
formula) per second over the measured 8192^3 bf16 matmul rate, and over the card's nominal dense
bf16 peak where the card is known.
"""

from __future__ import annotations

import statistics
import time

import torch

from bench.scratch_step import TARGET_VS_BERT, build_bert, build_ours, step_flops, step_fn, time_rounds

NAME = "gpu_step"
SHAPES = ((32, 64), (256, 128))
PRECISIONS = ("fp32", "tf32", "bf16")
NOMINAL_BF16_TFLOPS = {"H100 PCIe": 756.0, "H100": 989.4, "H200": 989.4, "A100": 312.0, "L4": 121.0}


def nominal_peak(name: str) -> float | None:
    """The card's dense bf16 peak in TFLOP/s from its marketing name (None when unknown)."""
    for key, tflops in NOMINAL_BF16_TFLOPS.items():  # "H100 PCIe" is checked before "H100"
        if all(part in name for part in key.split()):
            return tflops
    return None


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def bf16_ceiling(device: str = "cuda", n: int = 8192, repeats: int = 10) -> float:
    """Measured bf16 square-matmul rate in TFLOP/s: mean of ``repeats`` products after 3 warm-ups."""
    a = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    b = torch.randn(n, n, device=device, dtype=torch.bfloat16)
    for _ in range(3):
        a @ b
    _sync(device)
    t = time.perf_counter()
    for _ in range(repeats):
        a @ b
    _sync(device)
    return 2 * n**3 * repeats / (time.perf_counter() - t) / 1e12


def run(quick: bool) -> dict:
    """The benchmark on the GPU (``python -m bench gpu_step`` checks that there is one first)."""
    return measure("cuda", quick)


def measure(device: str, quick: bool, shapes: tuple[tuple[int, int], ...] = SHAPES,
            ceiling_n: int = 8192) -> dict:
    """Every shape x precision x model on ``device`` (``cpu`` with small shapes: a smoke check)."""
    cuda = device.startswith("cuda")
    name = torch.cuda.get_device_name(0) if cuda else "cpu"
    ceiling, nominal = bf16_ceiling(device, ceiling_n), nominal_peak(name)
    rounds, per_round, warmup = (3, 5, 5) if quick else (10, 20, 10)
    rows = []
    for batch, length in shapes:
        flops = step_flops(batch, length)["total_flops"]
        for precision in PRECISIONS:
            torch.set_float32_matmul_precision("high" if precision == "tf32" else "highest")  # high: TF32
            torch.manual_seed(0)
            steps = {m: step_fn(build(), precision == "bf16", device=device, batch=batch, length=length)
                     for m, build in (("textbench", build_ours), ("bert", build_bert))}
            times = time_rounds(steps, rounds, per_round, warmup, sync=lambda: _sync(device))
            for model, ts in times.items():
                best, med = min(ts), statistics.median(ts)
                rows.append({
                    "model": model, "batch": batch, "length": length, "precision": precision,
                    "step_ms_best": round(best * 1e3, 3), "step_ms_median": round(med * 1e3, 3),
                    "samples_per_second": round(batch / best, 1),
                    "tflops": round(flops / best / 1e12, 2),
                    "mfu_measured_bf16": round(flops / best / 1e12 / ceiling, 4),
                    "mfu_nominal_bf16": round(flops / best / 1e12 / nominal, 4) if nominal else None,
                })
            del steps
            if cuda:
                torch.cuda.empty_cache()
    torch.set_float32_matmul_precision("highest")
    return {"name": NAME, "quick": quick, "gpu": name, "bf16_ceiling_tflops": round(ceiling, 1),
            "bf16_ceiling_source": "8192^3 bf16 matmul, mean of 10 after 3 warm-ups",
            "nominal_bf16_tflops": nominal, "rounds": rounds, "steps_per_round": per_round,
            "torch": torch.__version__, "cuda": torch.version.cuda, "rows": rows}


def _row(result: dict, model: str, batch: int, precision: str) -> dict | None:
    return next((r for r in result["rows"]
                 if (r["model"], r["batch"], r["precision"]) == (model, batch, precision)), None)


def markdown(result: dict) -> str:
    nominal = result.get("nominal_bf16_tflops")
    lines = [
        f"{result['gpu']} (torch {result['torch']}, CUDA {result['cuda']}); bf16 matmul ceiling measured"
        f" {result['bf16_ceiling_tflops']:.0f} TFLOP/s ({result['bf16_ceiling_source']})"
        + (f", nominal dense bf16 peak {nominal:.0f} TFLOP/s" if nominal else "")
        + f"; best of {result['rounds']} alternating rounds of {result['steps_per_round']} steps (median in"
        " brackets). MFU is against the measured bf16 ceiling"
        + (" (against the nominal peak in brackets)." if nominal else "."),
        "",
        "| model | batch x length | precision | ms/step | samples/s | TFLOP/s | MFU |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in result["rows"]:
        mfu = f"{100 * r['mfu_measured_bf16']:.1f}%" + (
            f" ({100 * r['mfu_nominal_bf16']:.1f}%)" if r.get("mfu_nominal_bf16") is not None else "")
        lines.append(f"| {r['model']} | {r['batch']} x {r['length']} | {r['precision']} |"
                     f" {r['step_ms_best']:.2f} ({r['step_ms_median']:.2f}) | {r['samples_per_second']:,.0f} |"
                     f" {r['tflops']:.1f} | {mfu} |")
    return "\n".join(lines) + "\n"


def verdict(result: dict) -> dict:
    """Summary-table entry: the bf16 step at the largest batch against BERT's."""
    big = max(r["batch"] for r in result["rows"])
    ours, bert = _row(result, "textbench", big, "bf16"), _row(result, "bert", big, "bf16")
    if not ours or not bert:
        return {"target": "-", "measured": "incomplete result", "met": None, "note": ""}
    vs = ours["samples_per_second"] / bert["samples_per_second"]
    return {
        "target": f">= {TARGET_VS_BERT}x BertForSequenceClassification samples/s (bf16, GPU); MFU reported",
        "measured": f"{vs:.2f}x BERT at batch {big}, bf16; MFU {100 * ours['mfu_measured_bf16']:.1f}% of the"
                    f" measured bf16 ceiling",
        "met": vs >= TARGET_VS_BERT,
        "note": "",
    }
