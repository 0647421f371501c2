"""Generated documents are up to date with the code they describe."""

from __future__ import annotations

import contextlib
import io
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_study_file_reference_lists_every_key_as_the_code_has_it():
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        runpy.run_path(str(ROOT / "docs" / "config_reference.py"), run_name="__main__")
    assert (ROOT / "docs" / "study-file.md").read_text(encoding="utf-8") == out.getvalue(), (
        "docs/study-file.md is out of date: python docs/config_reference.py > docs/study-file.md")
    assert "`data.label_case`" in out.getvalue() and "`tune.max_parameters`" in out.getvalue()
