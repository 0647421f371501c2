"""Run the benchmarks of issue #6 and regenerate BENCHMARKS.md.

    python -m bench                      # every benchmark (full mode), then BENCHMARKS.md
    python -m bench --quick              # every benchmark in quick mode (a few minutes here)
    python -m bench inference data_scaling [--quick]
    python -m bench --markdown-only      # BENCHMARKS.md from the saved JSON in bench/results/
    python -m bench --list

Each benchmark runs in its own Python process (so one's memory and thread pools do not colour
the next; a crash is reported and the others still run). Results: bench/results/<name>.json
(full) or <name>.quick.json (quick; never overwrites a full result). BENCHMARKS.md shows the
full-mode result of each benchmark when there is one, else the quick-mode one (marked).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import logging
import subprocess
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any

from bench import GPU_ONLY, REGISTRY
from bench.common import ROOT, load_result, md_table, run_and_save, run_line, verdict_line

TARGETS = {"finetune_speed": 1, "frozen_cache": 2, "scratch_step": 3, "attention_scaling": 4, "inference": 5,
           "data_scaling": 6, "startup": 7, "method_cost": 8, "gpu_step": 9}
TITLES = {
    "finetune_speed": "Fine-tuning speed (textbench vs a plain Trainer script)",
    "frozen_cache": "Linear probe and frozen layers (frozen part computed once)",
    "scratch_step": "From-scratch training step (MFU; vs BertForSequenceClassification)",
    "attention_scaling": "Attention scaling (mha / performer / lsh)",
    "inference": "Inference (textbench predict vs transformers.pipeline)",
    "data_scaling": "Scaling with data (time per epoch vs training rows)",
    "startup": "Start-up cost (--help and a study run's fixed cost vs import torch)",
    "method_cost": "Epoch cost per fine-tuning method (LoRA, prefix, freeze vs full, CPU)",
    "gpu_step": "From-scratch training step on a GPU (fp32, TF32, bf16; MFU vs the bf16 peak)",
}
OUT = ROOT / "BENCHMARKS.md"


def available(name: str) -> bool:
    return importlib.util.find_spec(f"bench.{name}") is not None


def _quiet() -> None:
    warnings.filterwarnings("ignore")
    logging.getLogger("textbench").setLevel(logging.WARNING)
    logging.getLogger("transformers").setLevel(logging.ERROR)
    try:  # no progress bars in benchmark logs
        import datasets
        from transformers.utils import logging as hf_logging

        datasets.disable_progress_bars()
        hf_logging.disable_progress_bar()
    except Exception:  # pragma: no cover
        pass


def run_one(name: str, quick: bool) -> int:
    """Run one benchmark in this process and save its JSON; 0 on success."""
    _quiet()
    if not available(name):
        print(f"[bench] {name}: not run (bench/{name}.py is missing)", flush=True)
        return 3
    if name in GPU_ONLY and not _has_cuda():
        print(f"[bench] {name}: not run (needs a CUDA GPU; torch sees none)", flush=True)
        return 3
    mod = importlib.import_module(f"bench.{name}")
    print(f"[bench] {name} ({'quick' if quick else 'full'} mode) ...", flush=True)
    t = time.perf_counter()
    result, path = run_and_save(name, mod.run, quick)
    v = get_verdict(mod, result)
    print(f"[bench] {name}: {time.perf_counter() - t:.0f} s; wrote {path.relative_to(ROOT)}"
          + (f"; {v.get('measured')} ({'met' if v.get('met') else 'not met' if v.get('met') is False else '?'})"
             if v else ""), flush=True)
    return 0


def get_verdict(mod: Any, result: dict[str, Any]) -> dict[str, Any] | None:
    fn = getattr(mod, "verdict", None) if mod is not None else None
    if fn is not None:
        try:
            return fn(result)
        except Exception as e:  # a result saved by an older version of the module
            return {"target": "?", "measured": f"verdict failed ({type(e).__name__}: {e})", "met": None}
    return result.get("verdict")


# ---- BENCHMARKS.md --------------------------------------------------------------------------

def write_markdown() -> Path:
    header = [
        "# Benchmarks",
        "",
        "Performance targets of issue #6, measured side by side in one run by the scripts in `bench/`."
        " Regenerate everything with `python -m bench` (full mode; about an hour on a quiet 2-core machine),"
        " `python -m bench --quick` (a few minutes; smaller data, fewer repeats), one or a few with"
        " `python -m bench NAME [NAME...]` (names: " + ", ".join(f"`{n}`" for n in REGISTRY) + "), and this"
        " file alone from the saved JSON with `python -m bench --markdown-only`. Results are in"
        " `bench/results/<name>.json` (full mode) and `<name>.quick.json` (quick mode) with the machine and"
        " its load average; each section below uses the full-mode result when there is one and says which"
        " mode it shows. Timings on a shared machine are noisy: compare ratios measured in the same run.",
        "",
    ]
    results: dict[str, dict[str, Any] | None] = {n: load_result(n) for n in REGISTRY}
    machine = next((r["machine"] for r in results.values() if r and (r.get("machine") or {}).get("cpu_model")), None)
    where = "from the results"
    if machine is None:
        from bench.common import machine_info

        machine, where = machine_info(), "the machine that wrote this file; the results do not say"
    if machine:
        header += [f"**Machine** ({where}): " + ", ".join(
            x for x in (f"{machine.get('cpu_model')}", f"{machine.get('cores_available', machine.get('cpu_count'))}"
                        f" cores", f"{machine.get('memory_gib')} GiB" if machine.get("memory_gib") else None,
                        f"flags {' '.join(machine.get('cpu_flags') or [])}" if machine.get("cpu_flags") else None,
                        f"GPU {machine['gpu']}" if machine.get("gpu") else "no GPU",
                        f"torch {machine.get('torch')}", f"transformers {machine.get('transformers')}",
                        f"peft {machine.get('peft')}" if machine.get("peft") else None,
                        f"Python {machine.get('python')}") if x) + ".", ""]
    rows, sections = [], []
    for name in REGISTRY:
        res = results[name]
        mod = None
        if available(name):
            try:
                mod = importlib.import_module(f"bench.{name}")
            except Exception as e:  # pragma: no cover - a broken module
                sections.append(f"## {TARGETS[name]}. {TITLES[name]}\n\n`bench/{name}.py` fails to import: {e}\n")
                rows.append([TARGETS[name], f"[{TITLES[name]}](#{_anchor(name)})", "–", "–", "not run (import error)", "–"])
                continue
        title = f"{TARGETS[name]}. {TITLES[name]}"
        if res is None or mod is None:
            why = "not run (bench/{}.py is missing)".format(name) if mod is None else "not run yet (no saved result)"
            if mod is not None and name in GPU_ONLY:
                why = "not run yet: needs a CUDA GPU (scripts/device_checks.sh runs it on a lent one)"
            rows.append([TARGETS[name], f"[{TITLES[name]}](#{_anchor(name)})", "–", "–", why, "–"])
            sections.append(f"## {title}\n\n{why[0].upper() + why[1:]}.\n")
            continue
        v = get_verdict(mod, res) or {}
        met = v.get("met")
        word = "met" if met is True else "not met" if met is False else "no verdict"
        rows.append([TARGETS[name], f"[{TITLES[name]}](#{_anchor(name)})", v.get("target", "–"),
                     v.get("measured", "–"), f"**{word}**", ("quick" if res.get("quick") else "full")
                     + f", {str(res.get('date', '?'))[:10]}"])
        try:
            body = mod.markdown(res)
        except Exception as e:
            body = f"markdown() failed on the saved result: {type(e).__name__}: {e}\n\n```\n{traceback.format_exc()}```"
        sections.append(f"## {title}\n\n{run_line(res)}\n\n{body.strip()}\n\n{verdict_line(v) if v else ''}\n")
    rows.sort(key=lambda r: r[0])
    text = "\n".join(header) + "\n## Targets\n\n" + md_table(
        ["#", "benchmark", "target", "measured", "verdict", "mode, date"], rows) + "\n\n" + "\n".join(
        sorted(sections, key=lambda s: int(s.split(".", 1)[0][3:])))
    OUT.write_text(text.rstrip() + "\n", encoding="utf-8")
    return OUT


def _has_cuda() -> bool:
    import torch

    return torch.cuda.is_available()


def _anchor(name: str) -> str:
    import re

    t = f"{TARGETS[name]}. {TITLES[name]}".lower()
    t = re.sub(r"[^\w\- ]", "", t)
    return t.replace(" ", "-")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"benchmarks to run (default: all): {', '.join(REGISTRY)}")
    ap.add_argument("--quick", action="store_true", help="quick mode (smaller data, fewer repeats)")
    ap.add_argument("--markdown-only", action="store_true", help="only regenerate BENCHMARKS.md from saved JSON")
    ap.add_argument("--no-markdown", action="store_true", help="do not regenerate BENCHMARKS.md")
    ap.add_argument("--in-process", action="store_true", help="run in this process (default for a single name)")
    ap.add_argument("--list", action="store_true", help="list the benchmarks and whether each has a result")
    args = ap.parse_args(argv)
    unknown = [n for n in args.names if n not in REGISTRY]
    if unknown:
        ap.error(f"unknown benchmark(s) {', '.join(unknown)}; known: {', '.join(REGISTRY)}")
    if args.list:
        for n in REGISTRY:
            full, quick = load_result(n, False), load_result(n, True)
            state = "missing module" if not available(n) else ", ".join(
                f"{m} {r.get('date', '?')}" for m, r in (("full", full), ("quick", quick)) if r) or "no results"
            print(f"{n:18s} {state}")
        return 0
    failed: list[str] = []
    if not args.markdown_only:
        names = args.names or list(REGISTRY)  # a GPU-only one without CUDA says so and is passed over (rc 3)
        t0 = time.perf_counter()
        for name in names:
            if len(names) == 1 or args.in_process:
                try:
                    rc = run_one(name, args.quick)
                except Exception:
                    traceback.print_exc()
                    rc = 1
            else:
                cmd = [sys.executable, "-m", "bench", name, "--no-markdown"] + (["--quick"] if args.quick else [])
                rc = subprocess.run(cmd, cwd=ROOT).returncode
            if rc == 3:
                continue  # missing module: said so
            if rc:
                failed.append(name)
                print(f"[bench] {name}: FAILED (exit {rc})", flush=True)
        if len(names) > 1:
            print(f"[bench] all done in {time.perf_counter() - t0:.0f} s", flush=True)
    if not args.no_markdown:
        path = write_markdown()
        print(f"[bench] wrote {path.relative_to(ROOT)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
