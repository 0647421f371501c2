"""Study files: parsing, grid expansion, and every bad input failing before training."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from textbench.errors import ConfigError
from textbench.study import builtin_studies, load_study
from textbench.study.grid import expand_sweep, nest, suffix_for

ROOT = Path(__file__).resolve().parents[2]


def write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def study_file(tmp_path: Path, **extra) -> Path:
    data = {"data": {"source": "builtin:tweets-sentiment"}, "seeds": [1, 2, 3], **extra}
    return write(tmp_path / "s.yaml", data)


def test_minimal_study_has_the_baselines(tmp_path):
    study = load_study(study_file(tmp_path), output_dir=tmp_path / "out")
    assert [a.name for a in study.arms] == ["majority", "tfidf"]
    assert study.name == "s" and study.dir == tmp_path / "out" / "s"
    assert [r.key for r in study.runs()][:3] == ["majority/seed-1", "tfidf/seed-1", "majority/seed-2"]


def test_arm_from_config_file_with_shared_set_and_seeds(tmp_path):
    cfg = write(tmp_path / "run.yaml", {
        "data": {"source": "builtin:tweets-sentiment", "max_train_samples": 100},
        "model": {"name_or_path": "builtin:minilm-l6"},
        "train": {"epochs": 7, "seed": 999, "learning_rate": 1e-4},
        "output": {"dir": "elsewhere"},
    })
    path = study_file(tmp_path, shared={"train": {"epochs": 2, "batch_size": 8}},
                      arms=[{"name": "m", "config": "run.yaml", "set": {"train.learning_rate": 3e-5}}])
    arm = load_study(path).arms[-1]
    assert arm.kind == "pretrained"
    assert arm.settings["train"]["epochs"] == 7  # the config file overrides shared
    assert arm.settings["train"]["batch_size"] == 8  # shared fills the rest
    assert arm.settings["train"]["learning_rate"] == 3e-5  # set wins
    assert arm.settings["data"]["max_train_samples"] == 100  # a per-arm data key
    run = load_study(path).runs()[-1]
    cfg = run.config()  # typed: the arm's RunConfig with the run's seed and folder
    assert cfg.train.seed == 3 and cfg.output.name == "seed-3" and cfg.train.epochs == 7
    assert Path(cfg.output.dir).is_absolute() and "elsewhere" not in cfg.output.dir


def test_relative_data_paths_resolve_against_the_study_file(tmp_path):
    (tmp_path / "d").mkdir()
    path = write(tmp_path / "d" / "s.yaml", {"data": {"source": "../data.csv"}, "baselines": ["majority"]})
    study = load_study(path)
    assert study.data.source == str(tmp_path / "data.csv")
    assert study.arms[0].settings["data"]["source"] == str(tmp_path / "data.csv")


@pytest.mark.parametrize(
    "arms, message",
    [
        ([{"name": "a", "config": "missing.yaml"}], "missing.yaml: config file not found"),
        ([{"name": "a"}, {"name": "a"}], "two arms are named 'a'"),
        ([{"name": "tfidf"}], "two arms are named 'tfidf'"),
        ([{"name": "a", "set": {"data.source": "other.csv"}}], "data.source set in set"),
        ([{"name": "a", "set": {"train.seed": 3}}], "train.seed is set by the study"),
        ([{"name": "a", "set": {"output.dir": "x"}}], "output is set by the study"),
        ([{"name": "a", "set": {"train.epoch": 3}}], "did you mean 'epochs'"),
        ([{"name": "a", "set": {"method.name": "magic"}}], "method.name"),
        ([{"name": "a", "sweep": {"method.r": []}}], "empty list"),
        ([{"name": "a b"}], "not a usable name"),
        ([{"name": "r", "reference": "nope"}], "reference names no arm 'nope'"),
        ([{"name": "r", "reference": "tfidf"}], "must be a pretrained-model arm"),
        ([{"name": "a", "baseline": "tfidf", "set": {"train.epochs": 2}}], "only baseline.* and data.*"),
        ([{"name": "a", "set": {"method.name": "lora"},
           "sweep": [{"name": "x", "method.r": 4}, {"name": "x", "method.r": 8}]}],
         "two arms are named 'a-x' after expanding"),
        ([{"name": "a", "sweep": {"method.r": [4, 8]}}], "unknown key 'method.r' for method full"),
    ],
)
def test_bad_arms_fail_with_a_clear_message(tmp_path, arms, message):
    with pytest.raises(ConfigError, match=message.replace("*", r"\*").replace("(", r"\(")):
        load_study(study_file(tmp_path, arms=arms))


def test_a_shipped_config_on_other_data_takes_the_studys_data_and_says_so(tmp_path):
    """A config file made for other data (the shipped configs name the built-in data) may be an arm:
    the study's data wins, and the preflight notes (hence the report) say what it replaced."""
    from textbench.study.preflight import preflight

    write(tmp_path / "run.yaml", {"data": {"source": "builtin:tweets-sentiment", "split_seed": 7,
                                           "max_train_samples": 50}})
    study = load_study(study_file(tmp_path, arms=[{"name": "odd", "config": "run.yaml"}]))
    [arm] = [a for a in study.arms if a.name == "odd"]
    assert arm.config.data.split_seed == study.data.split_seed and arm.config.data.max_train_samples == 50
    assert arm.data_replaced == ["data.split_seed 7 from run.yaml"]
    notes, _, _ = preflight(study)
    assert "arm odd: the study's data replaced data.split_seed 7 from run.yaml" in notes


def test_study_level_errors(tmp_path):
    with pytest.raises(ConfigError, match="repeated seeds"):
        load_study(study_file(tmp_path, seeds=[1, 1]))
    with pytest.raises(ConfigError, match="shared.data: not allowed"):
        load_study(study_file(tmp_path, shared={"data": {"max_train_samples": 3}}))
    with pytest.raises(ConfigError, match="unknown key 'armz'"):
        load_study(study_file(tmp_path, armz=[]))
    with pytest.raises(ConfigError, match="no arms"):
        load_study(study_file(tmp_path, baselines=[]))


def test_grid_sweep_is_a_cartesian_product():
    variants = expand_sweep({"model.architecture.attention_type": ["mha", "performer"],
                             "model.architecture.position_embedding_type": ["learned", "rope"]}, "x")
    assert [v.suffix for v in variants] == ["mha-learned", "mha-rope", "performer-learned", "performer-rope"]
    assert variants[1].params == {"model.architecture.attention_type": "mha",
                                  "model.architecture.position_embedding_type": "rope"}


def test_paired_sweep_sets_keys_together_and_names():
    variants = expand_sweep([{"method.r": r, "method.alpha": 4 * r} for r in (4, 8)], "x")
    assert [v.suffix for v in variants] == ["r4-alpha16", "r8-alpha32"]
    named = expand_sweep([{"name": "small", "method": {"r": 4}}], "x")
    assert named[0].suffix == "small" and named[0].params == {"method.r": 4}


def test_suffix_names():
    assert suffix_for({"data.train_fraction": 0.25}) == "frac25"
    assert suffix_for({"train.learning_rate": 2e-4}) == "lr0.0002"
    assert suffix_for({"method.prefix_projection": True}) == "prefix_projection-on"
    assert nest({"a.b": 1, "a": {"c": 2}}, "w") == {"a": {"b": 1, "c": 2}}


def test_lora_sweep_expands_into_named_valid_arms(tmp_path):
    path = study_file(tmp_path, baselines=[], arms=[{
        "name": "lora", "set": {"method.name": "lora", "method.dropout": 0.1},
        "sweep": [{"method.r": r, "method.alpha": 4 * r} for r in (4, 8, 16, 32)]}])
    arms = load_study(path).arms
    assert [a.name for a in arms] == ["lora-r4-alpha16", "lora-r8-alpha32", "lora-r16-alpha64", "lora-r32-alpha128"]
    assert [a.settings["method"]["alpha"] for a in arms] == [16, 32, 64, 128]
    assert all(a.group == "lora" and a.settings["method"]["dropout"] == 0.1 for a in arms)


def test_baseline_arm_with_data_sweep(tmp_path):
    path = study_file(tmp_path, baselines=[], arms=[{
        "name": "tf", "baseline": "tfidf", "set": {"baseline.C": [1.0]},
        "sweep": {"data.train_fraction": [0.1, 0.5]}}])
    arms = load_study(path).arms
    assert [a.name for a in arms] == ["tf-frac10", "tf-frac50"]
    assert arms[0].settings["baseline"]["C"] == [1.0]
    assert arms[0].settings["data"]["train_fraction"] == 0.1


def test_builtin_quickstart_loads_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert "quickstart" in builtin_studies()
    study = load_study()
    names = [a.name for a in study.arms]
    assert names[:2] == ["majority", "tfidf"] and len(study.seeds) == 1
    methods = {a.settings["method"]["name"] for a in study.arms if a.kind == "pretrained"}
    assert methods == {"linear_probe", "lora", "full"}
    assert any(a.kind == "scratch" for a in study.arms)
    assert study.dir == Path("studies") / "quickstart"
    from textbench.study.tuning_stage import tuned_arm_names

    assert tuned_arm_names(study) == ["scratch", "minilm-lora"] and study.cfg.tune.trials == 3  # a tiny search


SHIPPED = sorted((ROOT / "configs" / "studies").glob("*.yaml")) + sorted(
    (ROOT / "configs" / "reproductions").glob("*.yaml"))  # docs/reproductions.md's studies


def test_there_are_shipped_studies():
    assert len(SHIPPED) >= 4


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_study_loads(path):
    study = load_study(path)
    assert study.arms and study.seeds
    if "emotion" in study.data.source or "shared" in study.data.source:
        assert study.data.source.rstrip("/").endswith("shared/datasets/emotion")
