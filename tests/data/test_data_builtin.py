"""The shipped builtin:tweets-sentiment dataset."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from textbench.data import DataConfig, prepare_data
from textbench.data.make_builtin import write_builtin

ROOT = resources.files("textbench").joinpath("resources", "tweets_sentiment")


def test_builtin_sizes_and_classes():
    p = prepare_data(DataConfig(source="builtin:tweets-sentiment"))
    assert p.label_names == ["negative", "neutral", "positive"]
    assert {s: len(p.splits[s]) for s in p.splits} == {"train": 3360, "validation": 420, "test": 420}
    assert p.class_counts("train") == {"negative": 850, "neutral": 670, "positive": 1840}
    assert p.class_counts("validation") == p.class_counts("test") == {"negative": 106, "neutral": 84, "positive": 230}
    assert p.created_splits == [] and p.leakage == {"validation-train": 0, "test-train": 0, "test-validation": 0}


def test_builtin_files_ship_licence_and_fields():
    assert "MIT" in ROOT.joinpath("LICENSE.txt").read_text()
    assert "Hutto" in ROOT.joinpath("CITATION.md").read_text()
    first = json.loads(ROOT.joinpath("train.jsonl").read_text().splitlines()[0])
    assert set(first) == {"text", "label", "valence", "id"}
    assert first["label"] == ("negative" if first["valence"] < -0.5 else "positive" if first["valence"] > 0.5 else "neutral")


@pytest.mark.shared
def test_make_builtin_reproduces_shipped_files(shared_datasets, tmp_path):
    sizes = write_builtin(shared_datasets / "vader", tmp_path)
    assert sizes == {"train": 3360, "validation": 420, "test": 420}
    for name in ("train.jsonl", "validation.jsonl", "test.jsonl", "LICENSE.txt", "CITATION.md"):
        assert (tmp_path / name).read_bytes() == ROOT.joinpath(name).read_bytes(), name


@pytest.mark.shared
def test_emotion_folder_loads(shared_datasets):
    p = prepare_data(DataConfig(source=str(shared_datasets / "emotion")))
    assert p.created_splits == []
    assert p.label_names == ["anger", "fear", "joy", "love", "sadness", "surprise"]
    assert p.cleaning["train"]["rows_in"] == 16000 and p.cleaning["validation"]["rows_in"] == 2000
    assert p.leakage["test-train"] > 0
    hub_order = ["sadness", "joy", "love", "anger", "fear", "surprise"]
    q = prepare_data(
        DataConfig(source=str(shared_datasets / "emotion"), label_names=hub_order, max_train_samples=600, max_eval_samples=100)
    )
    assert q.label_names == hub_order and len(q.splits["train"]) == 600 and len(q.splits["test"]) == 100
