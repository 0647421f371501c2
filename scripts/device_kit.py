"""What a lent GPU machine needs beside the repository, for scripts/device_checks.sh (issue 19).

    python scripts/device_kit.py                 # here: build .device-kit/ (about 50 MB)
    python scripts/device_kit.py --restore-model .device-kit/minilm-l6 /tmp/minilm-l6   # there

The device machine has torch, transformers, peft, accelerate, scikit-learn and pyarrow, but not
`datasets` (nor dill, multiprocess, iterative-stratification), and it reaches no index or hub;
`../shared` does not travel with a call, and a call carries at most 64 MiB. So the kit holds:

- ``wheels/``: the missing packages at requirements-lock.txt's versions, for CPython 3.12 on
  manylinux x86-64 (the device's Python), fetched here with ``pip download``;
- ``minilm-l6/``: builtin:minilm-l6 (all-MiniLM-L6-v2) with its weights stored in **fp16**: the
  fp32 file is 91 MB, more than a call carries. ``--restore-model`` writes an fp32 copy there;
  the GPU runs start from weights rounded to fp16 (relative error <= 2^-11), the CPU runs from
  the fp32 file: say so beside any comparison of the two;
- ``emotion/``: the emotion dataset folder from ``../shared/datasets/emotion``.

`.device-kit/` is git-ignored; name it in the device call's ``carry``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
KIT = ROOT / ".device-kit"
LOCK = ROOT / "requirements-lock.txt"
MISSING_THERE = ("datasets", "dill", "multiprocess", "iterative-stratification")
PLATFORMS = ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64", "manylinux2014_x86_64", "manylinux1_x86_64")
MAX_MIB = 60  # of the 64 MiB a call carries; the repository itself is a few MiB


def locked(name: str) -> str:
    """``name==version`` as requirements-lock.txt pins it."""
    m = re.search(rf"^{re.escape(name)}==(\S+)", LOCK.read_text(encoding="utf-8"), re.M | re.I)
    if not m:
        raise SystemExit(f"{LOCK.name}: no pin for {name}")
    return f"{name}=={m.group(1)}"


def download_wheels(dest: Path) -> None:
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--only-binary=:all:",
           "--python-version", "3.12", "--implementation", "cp", "-d", str(dest)]
    for p in PLATFORMS:
        cmd += ["--platform", p]
    subprocess.run(cmd + [locked(n) for n in MISSING_THERE], check=True)


def copy_model(src: Path, dest: Path, dtype: str) -> None:
    """A checkpoint folder's files with model.safetensors' floating-point tensors cast to ``dtype``."""
    import torch
    from safetensors.torch import load_file, save_file

    dest.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.is_file() and f.name != "model.safetensors":
            shutil.copy2(f, dest / f.name)
    cast = getattr(torch, dtype)
    tensors = load_file(src / "model.safetensors")
    save_file({k: v.to(cast) if v.is_floating_point() else v for k, v in tensors.items()},
              dest / "model.safetensors", metadata={"format": "pt"})


def pack_model(dest: Path) -> None:
    """builtin:minilm-l6's files, with model.safetensors in fp16."""
    from textbench.models.builtin import BUILTIN_MODELS

    copy_model(BUILTIN_MODELS.get("minilm-l6")(), dest, "float16")


def restore_model(src: Path, dest: Path) -> None:
    """The kit's fp16 MiniLM-L6 as an fp32 checkpoint folder (what transformers loads by default)."""
    copy_model(src, dest, "float32")


def size_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=KIT, help=f"kit folder (default {KIT.relative_to(ROOT)})")
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets" / "emotion",
                    help="the emotion dataset folder to carry")
    ap.add_argument("--restore-model", nargs=2, type=Path, metavar=("KIT_MODEL", "DEST"),
                    help="on the device: write an fp32 copy of the kit's model to DEST")
    args = ap.parse_args(argv)
    if args.restore_model:
        restore_model(*args.restore_model)
        return 0
    if not args.data.is_dir() or not any(args.data.iterdir()):
        raise SystemExit(f"{args.data}: no dataset there (pass --data)")
    if args.out.exists():
        shutil.rmtree(args.out)
    download_wheels(args.out / "wheels")
    pack_model(args.out / "minilm-l6")
    (args.out / "emotion").mkdir()
    for f in args.data.iterdir():  # contents only: the shared folder's read-only modes stay behind
        if f.is_file():
            shutil.copyfile(f, args.out / "emotion" / f.name)
    total = size_mib(args.out)
    print(f"{args.out}: {total:.1f} MiB (" + ", ".join(
        f"{d.name} {size_mib(d):.1f}" for d in sorted(args.out.iterdir())) + ")")
    if total > MAX_MIB:
        print(f"too large to carry beside the repository (> {MAX_MIB} MiB)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
