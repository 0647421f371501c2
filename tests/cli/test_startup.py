"""Start-up: --help, --version and a user's config error need no torch, transformers or datasets."""

from __future__ import annotations

import subprocess
import sys

import textbench

CHECK = """
import sys
from textbench.cli import main
for argv in {argvs!r}:
    try:
        code = main(argv)
    except SystemExit as e:
        code = e.code
    print("exit", code)
heavy = [m for m in ("torch", "transformers", "datasets") if m in sys.modules]
assert not heavy, heavy
"""


def _run(argvs: list[list[str]]) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-c", CHECK.format(argvs=argvs)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def test_help_and_version_do_not_import_torch():
    done = _run([["--help"], ["--version"], ["study", "--help"], ["train", "--help"], ["env"]])
    assert f"textbench {textbench.__version__}" in done.stdout
    assert done.stdout.count("exit 0") == 5


def test_config_errors_come_before_the_heavy_imports(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("train:\n  epochs: -1\n")
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text("baseline: {name: svm}\n")
    done = _run([["train", str(bad)], ["pretrain", str(bad)], ["baseline", str(baseline)]])
    assert done.stdout.count("exit 2") == 3
    assert "train.epochs: must be > 0" in done.stderr and "svm" in done.stderr


def test_a_run_folder_that_cannot_be_claimed_is_refused_before_the_heavy_imports(tmp_path):
    cfg = tmp_path / "r.yaml"
    cfg.write_text(f"data: {{source: {tmp_path / 'absent.csv'}}}\noutput: {{dir: {tmp_path / 'runs'}, name: r}}\n")
    (tmp_path / "runs" / "r").mkdir(parents=True)  # a folder that is there already, not a run
    (tmp_path / "runs" / "done").mkdir()
    (tmp_path / "runs" / "done" / "manifest.json").write_text('{"status": "complete"}')
    (tmp_path / "runs" / "half").mkdir()  # interrupted, started with another data source
    (tmp_path / "runs" / "half" / "manifest.json").write_text('{"status": "interrupted"}')
    (tmp_path / "runs" / "half" / "config.yaml").write_text("data: {source: other.csv}\n")
    done = _run([["train", str(cfg)], ["train", str(cfg), "--resume"],
                 ["train", str(cfg), "--resume", "--name", "done"], ["train", str(cfg), "--resume", "--name", "gone"],
                 ["train", str(cfg), "--resume", "--name", "half"]])
    assert done.stdout.count("exit 2") == 5, done.stdout + done.stderr
    err = done.stderr
    assert "half: cannot resume with other settings than the run was started with: data." in err
    assert "run folder already exists (status: not a run)" in err
    assert "cannot resume, not a textbench run folder" in err
    assert "the run is already complete; nothing to resume" in err
    assert "nothing to resume, the run folder does not exist" in err
