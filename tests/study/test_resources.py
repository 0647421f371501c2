"""`resources:` in a study file (what a run asks of a Ray cluster) and the executor's argument checks."""

from __future__ import annotations

import sys

import pytest

from helpers.studies import tiny_study
from textbench.errors import ConfigError
from textbench.study import load_study
from textbench.study.resources import ResourcesConfig, task_resources
from textbench.study.runner import run_study


def test_arm_resources_override_the_studys_key_by_key(tmp_path, tiny_bert_dir):
    arms = [{"name": "bert", "set": {"model.name_or_path": str(tiny_bert_dir)},
             "resources": {"num_gpus": 1, "memory_gb": 2}}]
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], arms=arms, baselines=["majority"],
                      resources={"num_cpus": 3})
    arms = {a.name: a for a in load_study(path, output_dir=tmp_path / "s").arms}
    assert arms["bert"].resources == ResourcesConfig(num_cpus=3, num_gpus=1, memory_gb=2)
    assert arms["majority"].resources == ResourcesConfig(num_cpus=3)


def test_defaults_come_from_the_run_kind_and_the_cluster():
    base = task_resources(None, baseline=True, cluster_gpus=4, largest_node_cpus=16)
    assert (base.num_cpus, base.num_gpus, base.memory_bytes) == (1, 0, None)
    model = task_resources(None, baseline=False, cluster_gpus=4, largest_node_cpus=16)
    assert (model.num_cpus, model.num_gpus, model.threads) == (2, 1, 2)
    small = task_resources(None, baseline=False, cluster_gpus=0, largest_node_cpus=1)
    assert (small.num_cpus, small.num_gpus) == (1, 0)  # never more than a node has; no GPU where there is none
    wanted = task_resources(ResourcesConfig(num_cpus=4, memory_gb=1.5), baseline=False, cluster_gpus=0,
                            largest_node_cpus=8)
    assert wanted.ray_options() == {"num_cpus": 4, "num_gpus": 0, "memory": int(1.5 * 2**30)}


@pytest.mark.parametrize("bad, match", [({"num_cpus": 0}, "num_cpus: a run needs at least 1 CPU"),
                                        ({"num_gpus": -1}, "num_gpus: must be >= 0"),
                                        ({"cpus": 2}, "cpus")])
def test_bad_resources_are_named(tmp_path, tiny_bert_dir, bad, match):
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], resources=bad)
    with pytest.raises(ConfigError, match=match):
        load_study(path, output_dir=tmp_path / "s")


def test_executor_arguments_are_checked_before_anything_runs(tmp_path, tiny_bert_dir, monkeypatch):
    study = load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1]), output_dir=tmp_path / "s")
    with pytest.raises(ConfigError, match="drop --jobs"):
        run_study(study, executor="ray", jobs=2, progress=False)
    with pytest.raises(ConfigError, match="--address goes with --executor ray"):
        run_study(study, ray_address="auto", progress=False)
    monkeypatch.setitem(sys.modules, "ray", None)  # as on an install without the ray extra
    with pytest.raises(ConfigError, match=r"needs Ray, an optional extra: pip install -e '\.\[ray\]'"):
        run_study(study, executor="ray", progress=False)
    assert not study.dir.exists()  # nothing written


def test_cli_refuses_inline_with_ray(tmp_path, tiny_bert_dir, capsys):
    from textbench.cli import main

    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1])
    assert main(["study", str(path), "--inline", "--executor", "ray"]) == 2
    assert "--inline runs every run in this process" in capsys.readouterr().err
