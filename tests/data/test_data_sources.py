"""Folder discovery, explicit split files, relative paths, builtin listing."""

from __future__ import annotations

import pytest

from textbench.data import DataConfig, list_builtin, prepare_data
from textbench.errors import ConfigError, DataError


def test_folder_discovery_keeps_given_splits(dw, split_folder):
    p = prepare_data(DataConfig(source=str(split_folder)))
    assert p.created_splits == []
    assert {s: len(p.splits[s]) for s in p.splits} == {"train": 20, "validation": 6, "test": 6}
    assert p.splits["validation"][0]["text"].startswith("dev ")


@pytest.mark.parametrize("name", ["val.csv", "valid.csv", "validation_v2.csv", "dev.csv"])
def test_validation_aliases(dw, tmp_path, name):
    dw.csv(tmp_path / "train.csv", dw.rows(10))
    dw.csv(tmp_path / name, dw.rows(3, tag="v "))
    p = prepare_data(DataConfig(source=str(tmp_path)))
    assert p.created_splits == ["test"]
    assert len(p.splits["validation"]) == 6


def test_relative_source_and_explicit_file_override(dw, split_folder, tmp_path):
    dw.jsonl(tmp_path / "other" / "my_test.jsonl", dw.rows(4, tag="other "))
    cfg = DataConfig(source="ds", test_file="other/my_test.jsonl")
    p = prepare_data(cfg, base_dir=tmp_path)
    assert len(p.splits["test"]) == 8 and p.splits["test"][0]["text"].startswith("other ")


def test_train_file_overrides_default_builtin(dw, tmp_path):
    dw.csv(tmp_path / "a.csv", dw.rows(10))
    p = prepare_data(DataConfig(train_file="a.csv"), base_dir=tmp_path)
    assert p.label_names == ["neg", "pos"] and p.created_splits == ["validation", "test"]


def test_eval_file_without_train_on_builtin_is_config_error(dw, tmp_path):
    dw.csv(tmp_path / "v.csv", dw.rows(3))
    with pytest.raises(ConfigError, match="data.train_file"):
        prepare_data(DataConfig(validation_file="v.csv"), base_dir=tmp_path)


def test_folder_without_train_file(dw, tmp_path):
    dw.csv(tmp_path / "test.csv", dw.rows(3))
    with pytest.raises(DataError, match=r"no train file.*test\.csv.*data.train_file"):
        prepare_data(DataConfig(source=str(tmp_path)))


def test_folder_with_two_train_files(dw, tmp_path):
    dw.csv(tmp_path / "train.csv", dw.rows(3))
    dw.jsonl(tmp_path / "train.jsonl", dw.rows(3))
    with pytest.raises(DataError, match=r"several train files.*data.train_file"):
        prepare_data(DataConfig(source=str(tmp_path)))


def test_builtin_listing_and_unknown(dw):
    assert "tweets-sentiment" in list_builtin()
    with pytest.raises(ConfigError, match="builtin:tweets-sentiment"):
        prepare_data(DataConfig(source="builtin:nope"))


def test_unknown_extension(dw, tmp_path):
    path = tmp_path / "d.xlsx"
    path.write_text("x")
    with pytest.raises(DataError, match=r"d\.xlsx.*data.format"):
        prepare_data(DataConfig(source=str(path)))


def test_empty_source(dw):
    with pytest.raises(ConfigError, match="data.source is empty"):
        prepare_data(DataConfig(source=""))
