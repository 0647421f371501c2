"""Every case of docs/errors.md still exits 2 with one error line and leaves no run folder.

The one exception is the disk-full case: its run is kept on purpose, marked failed, with its
completed checkpoint, and ``--resume`` finishes it.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

DOC = Path(__file__).resolve().parents[2] / "docs" / "error_catalogue.py"
ERRORS_MD = DOC.parent / "errors.md"


def test_catalogue_cases(tmp_path):
    spec = importlib.util.spec_from_file_location("error_catalogue", DOC)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    cases = mod.cases(tmp_path)
    assert len(cases) >= 36
    documented = ERRORS_MD.read_text(encoding="utf-8")
    for name, argv, *environ in cases:
        assert f"| {name} | 2 |" in documented, f"{name!r} is missing from docs/errors.md: regenerate it"
        code, msg = mod.run_case(argv, *environ)
        assert code == 2, (name, msg)
        assert msg.startswith("error: ") and "\n" not in msg and "Traceback" not in msg, (name, msg)
    assert f"these {len(cases)} cases: 0; kept for `--resume`: 1." in documented
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir())

    # disk full: the run is kept, failed, with the first epoch's checkpoint complete; --resume finishes it
    from textbench.runs.checkpoints import last_complete_checkpoint

    (kept,) = (tmp_path / mod.KEPT).iterdir()
    assert json.loads((kept / "manifest.json").read_text())["status"] == "failed"
    assert last_complete_checkpoint(kept / "checkpoints") is not None
    full = next(argv for name, argv, *_ in cases if name.startswith("disk full"))
    code, msg = mod.run_case([*full, "--resume"])
    assert code == 0, msg
    assert json.loads((kept / "manifest.json").read_text())["status"] == "complete"
    assert (kept / "test_metrics.json").is_file()
