"""Packages import downward only (scripts/check_layers.py), and the check does catch an upward import."""

from __future__ import annotations

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "check_layers.py"


def _checker():
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_no_upward_or_peer_imports():
    assert _checker().violations() == []


def test_an_upward_import_is_reported(tmp_path):
    pkg = tmp_path / "textbench"
    (pkg / "utils").mkdir(parents=True)
    (pkg / "runs").mkdir()
    (pkg / "utils" / "io.py").write_text("def f():\n    from textbench.runs.folder import claim_run_dir\n")
    (pkg / "runs" / "folder.py").write_text("from textbench.utils.io import f\n")
    (pkg / "newpkg").mkdir()
    (pkg / "newpkg" / "x.py").write_text("")
    found = _checker().violations(pkg)
    assert "utils/io.py: imports textbench.runs (upward)" in found
    assert not any(line.startswith("runs/") for line in found)
    assert "newpkg/x.py: package 'newpkg' has no layer in scripts/check_layers.py" in found
