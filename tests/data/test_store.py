"""Prepared data stored by content key: a study prepares each data config once, runs load it."""

from __future__ import annotations

from textbench.data import DataConfig, prepare_data
from textbench.data.store import data_key, load_prepared, save_prepared


def test_round_trip_keeps_splits_and_facts(tmp_path, tiny_csv):
    cfg = DataConfig(source=str(tiny_csv), text_column="review", label_column="sentiment")
    prepared = prepare_data(cfg)
    key = data_key(cfg)
    save_prepared(prepared, tmp_path, key)
    back = load_prepared(tmp_path, key)
    assert back is not None and back.label_names == prepared.label_names
    assert back.summary() == prepared.summary()  # split hashes, counts, cleaning, created splits
    assert load_prepared(tmp_path, "0" * 16) is None


def test_the_key_follows_settings_and_file_bytes(tiny_csv):
    cfg = DataConfig(source=str(tiny_csv), text_column="review", label_column="sentiment")
    key = data_key(cfg)
    assert data_key(DataConfig(source=str(tiny_csv), text_column="review", label_column="sentiment")) == key
    assert data_key(DataConfig(source=str(tiny_csv), text_column="review", label_column="sentiment",
                               max_train_samples=10)) != key
    tiny_csv.write_text(tiny_csv.read_text() + "one more text,pos\n")
    assert data_key(cfg) != key  # an edited file is prepared again
