"""Drift check: the test suite on the newest releases pyproject.toml allows, compared with the lock.

    python scripts/check_latest.py                         # newest of everything, default test run
    python scripts/check_latest.py -- -k prefix            # pytest arguments after --
    python scripts/check_latest.py --pin transformers==5.23.0 -- -k prefix   # an older release

Builds a temporary virtual environment, installs textbench with its dev and gguf extras at the
newest allowed versions (torch stays at the lock's release unless --torch says otherwise: which
torch build a machine takes is its owner's choice, and an unpinned torch may pull a CUDA build),
prints which packages differ from requirements-lock.txt, runs pytest there and prints which tests
failed. Exit code: 0 when the tests pass, 1 when some fail, 2 when the environment cannot be built.
Not part of CI: run it before moving the lock, and when a dependency makes a release.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from textbench.utils.versions import LOCK_NAME, canonical, read_lock, same_version  # noqa: E402

FAILED = re.compile(r"^(FAILED|ERROR) (\S+)", re.M)
SUMMARY = re.compile(r"^=*\s*(\d+ (?:passed|failed|error).*?)\s*=*$", re.M)


def run(cmd: list[str], **kw: object) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, text=True, **kw)


def build_env(venv: Path, torch: str, pins: list[str], extras: str) -> Path:
    """A fresh venv with textbench installed at the newest allowed versions; returns its python."""
    run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    run([str(py), "-m", "pip", "install", "-q", "--upgrade", "pip"], check=True)
    constraints = venv / "pins.txt"
    constraints.write_text("\n".join([f"torch=={torch}", *pins]) + "\n")
    done = run([str(py), "-m", "pip", "install", "-q", "-e", f".[{extras}]", "-c", str(constraints)],
               capture_output=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise SystemExit(f"error: the newest allowed versions do not install together:\n{tail}")
    return py


def installed(py: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json;"
            "print(json.dumps({d.metadata['Name']: d.version for d in m.distributions()}))")
    out = run([str(py), "-c", code], capture_output=True, check=True).stdout
    return {canonical(k): v for k, v in json.loads(out).items()}


def drift(lock: dict[str, str], have: dict[str, str]) -> list[str]:
    """Lines: packages whose version differs from the lock, new ones, and locked ones not installed."""
    lines = [f"  {n}: {lock[n]} -> {have[n]}" for n in sorted(lock) if n in have and not same_version(have[n], lock[n])]
    lines += [f"  {n}: new, {have[n]}" for n in sorted(set(have) - set(lock)) if n not in {"pip", "setuptools", "textbench"}]
    lines += [f"  {n}: {lock[n]} -> not installed" for n in sorted(set(lock) - set(have))]
    return lines


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    pytest_args = argv[argv.index("--") + 1:] if "--" in argv else []
    argv = argv[:argv.index("--")] if "--" in argv else argv
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--torch", help="torch release (default: the lock's)")
    p.add_argument("--pin", action="append", default=[], metavar="NAME==VERSION", help="hold one package (repeatable)")
    p.add_argument("--extras", default="dev,gguf", help="extras to install (default: dev,gguf)")
    p.add_argument("--keep", metavar="DIR", help="build the venv in DIR and keep it")
    args = p.parse_args(argv)
    lock = read_lock(ROOT / LOCK_NAME)
    torch = args.torch or lock["torch"]
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="textbench-latest-") as tmp:
        venv = Path(args.keep) if args.keep else Path(tmp) / "venv"
        print(f"building {venv} (newest allowed versions; torch {torch}{'; ' + ', '.join(args.pin) if args.pin else ''})",
              flush=True)
        py = build_env(venv, torch, args.pin, args.extras)
        lines = drift(lock, installed(py))
        print(f"packages that differ from {LOCK_NAME}: {len(lines) or 'none'}")
        print("\n".join(lines))
        env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"}  # as if activated
        tests = run([str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", *pytest_args], capture_output=True,
                    env=env)
    failed = FAILED.findall(tests.stdout)
    summary = SUMMARY.findall(tests.stdout)
    print(f"tests: {summary[-1] if summary else 'no summary (exit ' + str(tests.returncode) + ')'}")
    for kind, test in failed:
        print(f"  {kind.lower()}: {test}")
    if tests.returncode != 0 and not failed or not summary:
        print("last lines of pytest's output:\n" + "\n".join(tests.stdout.strip().splitlines()[-15:]))
    print(f"drift check took {time.monotonic() - start:.0f} s")
    return 0 if tests.returncode == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
