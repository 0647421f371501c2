"""A study with ``tune:``: the search first, then each arm's best config with the seeds; report says how."""

from __future__ import annotations

import json

import pytest
import yaml

from helpers.studies import tiny_study
from textbench.errors import ConfigError
from textbench.study import load_study
from textbench.study.runner import run_study

TUNE = {"trials": 2, "startup_trials": 1,
        "space": {"bert": {"train.learning_rate": {"low": 1e-4, "high": 3e-3, "log": True}}}}


def test_tuned_study_trains_the_best_config_and_reports_the_search(tmp_path, tiny_bert_dir):
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], baselines=["majority"], tune=TUNE)
    study = load_study(path, output_dir=tmp_path / "studies")
    result = run_study(study, executor="inline", progress=False)
    assert result.count("failed") == 0
    sdir = study.dir
    search = json.loads((sdir / "tuning" / "bert" / "search.json").read_text())
    assert search["counted_trials"] == 2 and search["budget"]["trials"] == 2
    best_lr = search["best"]["params"]["train.learning_rate"]
    run_cfg = yaml.safe_load((sdir / "runs" / "bert" / "seed-1" / "config.yaml").read_text())
    assert run_cfg["train"]["learning_rate"] == pytest.approx(best_lr)  # the confirmation run is the best config
    saved = yaml.safe_load((sdir / "study.yaml").read_text())
    bert = next(a for a in saved["arms"] if a["name"] == "bert")
    assert bert["settings"]["train"]["learning_rate"] == pytest.approx(best_lr) and "(tuned)" in bert["label"]
    md = (sdir / "report.md").read_text()
    assert "## Tuning" in md and "tuning/bert/best.yaml" in md and "**Search cost**" in md
    # the recommendation: the cheapest arm within noise of the best, as a config for a final model
    assert "## Recommendation" in md
    final = yaml.safe_load((sdir / "recommended.yaml").read_text())
    assert final["data"]["train_on_validation"] is True and final["output"]["dir"] == "runs"
    if "baseline" not in final:
        assert final["train"]["select_best_epoch"] is False
    # a rerun finds the search and the runs complete: nothing trains again
    again = run_study(load_study(path, output_dir=tmp_path / "studies"), executor="inline", progress=False)
    assert again.count("complete") == 0 and again.count("skipped") == 2
    assert len(json.loads((sdir / "tuning" / "bert" / "search.json").read_text())["trials"]) == 2


def test_tune_names_must_be_arms(tmp_path, tiny_bert_dir):
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], tune={"trials": 2, "arms": ["nope"]})
    with pytest.raises(ConfigError, match="tune.arms: no arm named 'nope'"):
        run_study(load_study(path, output_dir=tmp_path / "studies"), executor="inline", progress=False)


def test_the_recommended_config_trains_on_train_and_validation(tmp_path, tiny_bert_dir, monkeypatch):
    from textbench.runs.kinds import run_kind

    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], baselines=[])  # one model arm: it is the pick
    study = load_study(path, output_dir=tmp_path / "studies")
    run_study(study, executor="inline", progress=False)
    monkeypatch.chdir(study.dir)
    kind = run_kind("finetune")
    cfg = kind.load_config("recommended.yaml", [])
    assert cfg.data.train_on_validation and not cfg.train.select_best_epoch
    result = kind.run(cfg, quiet=True)
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    rows = manifest["data"]["summary"]["rows"]
    study_rows = json.loads((study.dir / "runs" / "bert" / "seed-1" / "manifest.json").read_text())["data"]["summary"]["rows"]
    assert rows["train"] == study_rows["train"] + study_rows["validation"]  # validation joined training
    assert rows["test"] == study_rows["test"]
