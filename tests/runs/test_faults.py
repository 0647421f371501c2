"""Kill -9 at several points and Ctrl-C: --resume finishes with the metrics of an uninterrupted run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from helpers.cli import textbench, tiny_run_config


def write_cfg(tmp_path: Path, tiny_csv: Path, tiny_bert_dir: Path) -> Path:
    return tiny_run_config(tmp_path / "run.yaml", tiny_csv, tiny_bert_dir, logging_steps=2)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_csv_module, tiny_bert_dir):
    tmp = tmp_path_factory.mktemp("ref")
    cfg = write_cfg(tmp, tiny_csv_module, tiny_bert_dir)
    proc = textbench(["train", str(cfg), "--output-dir", str(tmp / "runs"), "--name", "ref"])
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp / "runs" / "ref" / "test_metrics.json").read_text())


# Ctrl-C and SIGTERM take one path (the CLI turns SIGTERM into Ctrl-C): the default run keeps SIGTERM
# here and Ctrl-C in the study interrupt test; both stay in `pytest -m slow`
@pytest.mark.parametrize("fault", ["step:5", "eval:2", "save:2", pytest.param("sigint:5", marks=pytest.mark.slow),
                                   "sigterm:5"])
def test_kill_then_resume_equals_uninterrupted(tmp_path, tiny_csv_module, tiny_bert_dir, reference, fault):
    cfg = write_cfg(tmp_path, tiny_csv_module, tiny_bert_dir)
    args = ["train", str(cfg), "--output-dir", str(tmp_path / "runs"), "--name", "r"]
    first = textbench(args, fault)
    assert first.returncode != 0
    run = tmp_path / "runs" / "r"
    status = json.loads((run / "manifest.json").read_text())["status"]
    if fault.startswith("sig"):  # Ctrl-C and SIGTERM: a checkpoint is saved, the run says how to continue
        assert first.returncode == 130 and "--resume" in first.stderr and status == "interrupted"
    else:
        assert first.returncode == -9 and status == "running"
    assert not (run / "test_metrics.json").exists()
    second = textbench([*args, "--resume"])
    assert second.returncode == 0, second.stderr
    got = json.loads((run / "test_metrics.json").read_text())
    assert got["confusion_matrix"] == reference["confusion_matrix"]
    assert got["macro_f1"] == pytest.approx(reference["macro_f1"])
    assert got["loss"] == pytest.approx(reference["loss"], rel=1e-4)
    assert json.loads((run / "manifest.json").read_text())["status"] == "complete"
