"""Every case of docs/errors.md still exits 2 with one error line and leaves no run folder."""

from __future__ import annotations

import importlib.util
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "error_catalogue.py"


def test_catalogue_cases(tmp_path):
    spec = importlib.util.spec_from_file_location("error_catalogue", DOC)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cases = mod.cases(tmp_path)
    assert len(cases) >= 30
    for name, argv in cases:
        code, msg = mod.run_case(argv)
        assert code == 2, (name, msg)
        assert msg.startswith("error: ") and "\n" not in msg and "Traceback" not in msg, (name, msg)
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())
