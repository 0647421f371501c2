"""Statistics, the terminal table and PNG charts."""

from __future__ import annotations

import json

import pytest

from textbench.data import DataConfig, compute_stats, format_stats, plot_class_balance, plot_lengths, prepare_data


@pytest.fixture
def prepared(dw, split_folder):
    return prepare_data(DataConfig(source=str(split_folder)))


def test_compute_and_format_stats(prepared):
    stats = compute_stats(prepared)
    json.dumps(stats)
    assert stats["rows"] == {"train": 20, "validation": 6, "test": 6}
    assert stats["classes"]["train"]["pos"] == {"count": 10, "percent": 50.0}
    assert stats["chars"]["train"]["max"] == len("neg text number 9")
    assert "tokens" not in stats
    text = format_stats(stats)
    assert "train" in text and "10 (50.0%)" in text and "leakage" in text


def test_token_stats_with_tokenizer(prepared):
    class Tok:  # whitespace "tokenizer"
        model_max_length = 4

        def __call__(self, texts, **kw):
            return {"input_ids": [t.split() for t in texts]}

    stats = compute_stats(prepared, Tok())
    assert stats["max_length"] == 4 and stats["tokens"]["train"]["max"] == 4
    stats = compute_stats(prepared, Tok(), max_length=3)
    assert stats["tokens"]["train"]["truncated"] == 20 and stats["tokens"]["train"]["truncated_percent"] == 100.0
    assert "truncated" in format_stats(stats)


def test_plots_written(prepared, tmp_path):
    for fn, name in ((plot_lengths, "len.png"), (plot_class_balance, "sub/classes.png")):
        out = fn(prepared, tmp_path / name)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_summary_is_json(prepared):
    s = prepared.summary()
    assert json.loads(json.dumps(s))["rows"]["test"] == 6
    assert len(s["split_hashes"]["train"]) == 64
