"""Studies run by several workers: claims, `--jobs N`, two `textbench study` processes on one folder."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from textbench.errors import ConfigError
from textbench.study import load_study
from textbench.study.runner import parse_launch, run_study
from textbench.study.workers import CPUS_ENV, held_elsewhere, slot_env, try_claim

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_study_run import tiny_study  # noqa: E402 - the tiny study those tests use
from helpers.studies import runs_trained, two_drivers  # noqa: E402

HOLD = """
import sys, time
from pathlib import Path
from textbench.study.workers import try_claim
claim = try_claim(Path(sys.argv[1]), "arm/seed-1")
print("claimed" if claim else "held", flush=True)
time.sleep(60)
"""


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1", "TQDM_DISABLE": "1"}


def test_a_claim_excludes_other_processes_and_dies_with_its_holder(tmp_path):
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                              env=_env())
    try:
        assert holder.stdout.readline().strip() == "claimed"
        assert try_claim(tmp_path, "arm/seed-1") is None
        assert held_elsewhere(tmp_path, "arm/seed-1")
        other = try_claim(tmp_path, "arm/seed-2")  # other runs stay free
        assert other is not None
        other.release()
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # kill -9 released the lock: the run can be taken over
    claim = try_claim(tmp_path, "arm/seed-1")
    assert claim is not None and not held_elsewhere(tmp_path, "arm/seed-2")
    claim.release()


def test_slots_split_cores_and_gpus(monkeypatch):
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1,2,3")
    assert [slot_env(i, 2)["CUDA_VISIBLE_DEVICES"] for i in range(2)] == ["0,1", "2,3"]
    assert [slot_env(i, 8)["CUDA_VISIBLE_DEVICES"] for i in (0, 5)] == ["0", "1"]
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    cores = sorted(os.sched_getaffinity(0))
    envs = [slot_env(i, 2) for i in range(2)]
    got = [e[CPUS_ENV] for e in envs]
    assert all(got) and (len(cores) < 2 or got[0] != got[1])
    assert slot_env(0, 1) == {}


def test_bad_launcher_and_jobs_are_config_errors(tmp_path, tiny_bert_dir):
    with pytest.raises(ConfigError, match="launcher and its options only"):
        parse_launch("torchrun --nproc_per_node 2 -m")
    with pytest.raises(ConfigError, match="not found"):
        parse_launch("no-such-launcher --x")
    assert parse_launch("torchrun --nproc_per_node 2")[:1] == ["torchrun"]
    study = load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1]), output_dir=tmp_path / "s")
    with pytest.raises(ConfigError, match="--jobs"):
        run_study(study, jobs=0, progress=False)
    with pytest.raises(ConfigError, match="--inline"):
        run_study(study, executor="inline", jobs=2, progress=False)


def _interval(run: Path) -> tuple[datetime, datetime]:
    m = json.loads((run / "manifest.json").read_text())
    return datetime.fromisoformat(m["started"]), datetime.fromisoformat(m["ended"])


def _commands_in_log(run: Path) -> int:
    return sum(line.startswith("$ ") for line in (run / "train.log").read_text().splitlines())


def test_jobs_run_side_by_side(tmp_path, tiny_bert_dir):
    study = load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1, 2], baselines=[]), output_dir=tmp_path / "s")
    result = run_study(study, jobs=2, progress=False)
    assert result.count("complete") == 2 and result.count("failed") == 0
    (a0, a1), (b0, b1) = (_interval(study.dir / "runs" / "bert" / f"seed-{s}") for s in (1, 2))
    assert a0 <= b1 and b0 <= a1, "the two runs did not overlap in time"
    assert (study.dir / "report.html").is_file()


def test_two_workers_share_one_study_folder(tmp_path, tiny_bert_dir):
    """Two `textbench study` processes on one folder: every run trained exactly once, both see the report."""
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1, 2], baselines=["majority"])
    cmd = [sys.executable, "-m", "textbench", "study", str(path), "--output-dir", str(tmp_path / "s"),
           "--no-progress"]
    outs = two_drivers(cmd, _env())
    sdir = tmp_path / "s" / "tiny"
    runs = [sdir / "runs" / a / f"seed-{s}" for a in ("majority", "bert") for s in (1, 2)]
    for run in runs:
        assert json.loads((run / "manifest.json").read_text())["status"] == "complete"
        assert _commands_in_log(run) == 1, f"{run} was trained more than once"
    assert sum(runs_trained(out) for out in outs) == len(runs)
    assert (sdir / "report.html").is_file()


def test_launch_trains_each_run_with_two_processes(tmp_path, tiny_bert_dir):
    """`--launch 'torchrun ...'`: the arm's run is a 2-process DDP run; baselines stay single-process."""
    arms = [{"name": "enc", "set": {
        "tokenizer": {"train": "wordpiece", "vocab_size": 300},
        "model": {"kind": "scratch", "architecture": {"hidden_size": 16, "num_hidden_layers": 1,
                                                      "num_attention_heads": 2, "intermediate_size": 32}}}}]
    study = load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1], arms=arms, baselines=["majority"]),
                       output_dir=tmp_path / "s")
    launcher = f"{sys.executable} -m torch.distributed.run --standalone --nproc_per_node 2"
    result = run_study(study, launch=launcher, progress=False)
    assert result.count("complete") == 2
    manifest = json.loads((study.dir / "runs" / "enc" / "seed-1" / "manifest.json").read_text())
    assert manifest["processes"] == 2
    log = (study.dir / "runs" / "enc" / "seed-1" / "train.log").read_text()
    assert log.startswith(f"$ {launcher} -m textbench worker finetune")
