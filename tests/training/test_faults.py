"""Kill -9 at several points and Ctrl-C: --resume finishes with the metrics of an uninterrupted run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def write_cfg(tmp_path: Path, tiny_csv: Path, tiny_bert_dir: Path) -> Path:
    cfg = tmp_path / "run.yaml"
    cfg.write_text(
        f"""data:
  source: {tiny_csv}
  text_column: review
  label_column: sentiment
model:
  name_or_path: {tiny_bert_dir}
tokenizer:
  max_length: 32
train:
  epochs: 3
  batch_size: 8
  learning_rate: 1.0e-3
  logging_steps: 2
eval:
  reference_before_training: false
""",
        encoding="utf-8",
    )
    return cfg


def textbench(args: list[str], fault: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("TEXTBENCH_TEST_FAULT", None)
    if fault:
        env["TEXTBENCH_TEST_FAULT"] = fault
    return subprocess.run([sys.executable, "-m", "textbench", *args], capture_output=True, text=True,
                          timeout=300, env=env)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, tiny_csv_module, tiny_bert_dir):
    tmp = tmp_path_factory.mktemp("ref")
    cfg = write_cfg(tmp, tiny_csv_module, tiny_bert_dir)
    proc = textbench(["train", str(cfg), "--output-dir", str(tmp / "runs"), "--name", "ref"])
    assert proc.returncode == 0, proc.stderr
    return json.loads((tmp / "runs" / "ref" / "test_metrics.json").read_text())


@pytest.mark.parametrize("fault", ["step:5", "eval:2", "save:2", "sigint:5"])
def test_kill_then_resume_equals_uninterrupted(tmp_path, tiny_csv_module, tiny_bert_dir, reference, fault):
    cfg = write_cfg(tmp_path, tiny_csv_module, tiny_bert_dir)
    args = ["train", str(cfg), "--output-dir", str(tmp_path / "runs"), "--name", "r"]
    first = textbench(args, fault)
    assert first.returncode != 0
    run = tmp_path / "runs" / "r"
    status = json.loads((run / "manifest.json").read_text())["status"]
    if fault.startswith("sigint"):
        assert first.returncode == 2 and "--resume" in first.stderr and status == "interrupted"
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
