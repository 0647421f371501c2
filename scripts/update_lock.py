"""Regenerate requirements-lock.txt, the tested environment, from pyproject.toml with pip-compile.

    pip install pip-tools && python scripts/update_lock.py            # keep pins, add what is new
    python scripts/update_lock.py --upgrade                            # newest allowed versions
    python scripts/update_lock.py --upgrade-package transformers       # move one package

The lock covers the dependencies and every extra (install picks extras with `.[dev]` etc.).
torch is resolved at the lock's current release (``--torch`` moves it) and written without its
local build tag, so the CPU build (``2.13.0+cpu``) and a CUDA build of the same release both
satisfy it. Where the CPU build comes from is the installer's business: here a local wheel
folder; elsewhere ``--extra-index-url https://download.pytorch.org/whl/cpu``.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-lock.txt"
HEADER = """\
# The tested environment: every package textbench and its extras need, pinned (generated; do not edit).
# Install (README set-up):  pip install -e ".[dev]" -c requirements-lock.txt
# Regenerate:               pip install pip-tools && python scripts/update_lock.py [--upgrade]
# Newer releases vs. this:  python scripts/check_latest.py
# torch is pinned without its local build tag: the CPU build and a CUDA build of it both match.
"""


def locked_torch() -> str | None:
    if not LOCK.is_file():
        return None
    m = re.search(r"^torch==([^\s+]+)", LOCK.read_text(encoding="utf-8"), re.M)
    return m.group(1) if m else None


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--torch", help="torch release to lock (default: the lock's current one)")
    p.add_argument("--upgrade", action="store_true", help="newest allowed versions of everything")
    p.add_argument("--upgrade-package", action="append", default=[], metavar="NAME", help="move one package")
    args = p.parse_args(argv)
    if shutil.which("pip-compile") is None:
        sys.exit("error: pip-compile not found; pip install pip-tools")
    torch = args.torch or locked_torch()
    with tempfile.TemporaryDirectory() as tmp:
        out, pin = Path(tmp) / "lock.txt", Path(tmp) / "torch.txt"
        pin.write_text(f"torch=={torch}\n" if torch else "")
        if LOCK.is_file() and not args.upgrade:
            shutil.copy(LOCK, out)  # pip-compile keeps existing pins unless told to move them
        cmd = ["pip-compile", "--quiet", "--all-extras", "--strip-extras", "--no-emit-index-url",
               "--no-emit-find-links", "--no-emit-options", "--no-header", "--constraint", str(pin),
               "--output-file", str(out), "pyproject.toml"]
        cmd += ["--upgrade"] if args.upgrade else []
        for name in args.upgrade_package:
            cmd += ["--upgrade-package", name]
        subprocess.run(cmd, cwd=ROOT, check=True)
        body = re.sub(r"^(torch==[^\s+]+)\+\S+", r"\1", out.read_text(encoding="utf-8"), flags=re.M)
        body = body.replace(f"-c {pin}", "scripts/update_lock.py --torch")
    LOCK.write_text(HEADER + body, encoding="utf-8")
    print(f"wrote {LOCK.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
