"""`textbench tune CONFIG`: one config's search, its best config ready to train, a rerun continues it."""

from __future__ import annotations

import json

import yaml

from helpers.cli import tiny_run_config
from textbench.cli import main


def test_tune_searches_a_config_and_a_changed_config_is_refused(tmp_path, tiny_csv, tiny_bert_dir, capsys):
    cfg = tiny_run_config(tmp_path / "lora.yaml", tiny_csv, tiny_bert_dir, epochs=2, method={"name": "lora", "r": 4},
                          threads=1)
    space = tmp_path / "space.yaml"
    space.write_text(yaml.safe_dump({"train.epochs": [1, 2], "method.r": [2, 4]}), encoding="utf-8")
    args = ["tune", str(cfg), "--output-dir", str(tmp_path / "runs"), "--trials", "2", "--space", str(space),
            "--pruner", "none"]
    assert main(args) == 0
    out = capsys.readouterr().out
    folder = tmp_path / "runs" / "lora-tuning"
    assert f"train it: textbench train {folder}/best.yaml" in out
    summary = json.loads((folder / "search.json").read_text())
    assert summary["counted_trials"] == 2
    assert set(summary["space"]) >= {"train.learning_rate", "train.epochs", "method.r", "method.alpha"}
    assert summary["space"]["method.r"] == "one of 2, 4"  # the file replaced the default of the keys it names
    best = yaml.safe_load((folder / "best.yaml").read_text())
    assert best["method"]["r"] == summary["best"]["params"]["method.r"]
    assert not any(p.name == "test_metrics.json" for p in folder.rglob("*"))  # the search never tests

    # a rerun with a larger budget continues; one with another config is refused, naming the key
    assert main([*args[:5], "3", *args[6:]]) == 0
    assert json.loads((folder / "search.json").read_text())["counted_trials"] == 3
    code = main([*args, "--set", "train.batch_size=4"])
    err = capsys.readouterr().err
    assert code == 2 and "train.batch_size" in err and "another config" in err
