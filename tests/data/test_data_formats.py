"""Each file format reads into the same rows; column mapping."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from textbench.data import DataConfig, prepare_data


def _check(prepared, n_train: int = 20) -> None:
    total = sum(len(prepared.splits[s]) for s in ("train", "validation", "test"))
    assert total == n_train
    assert prepared.label_names == ["neg", "pos"]
    assert set(prepared.splits["train"].column_names) == {"text", "label"}
    assert prepared.splits["train"].features["label"].names == ["neg", "pos"]


@pytest.mark.parametrize("suffix,delim", [(".csv", ","), (".tsv", "\t")])
def test_delimited(dw, tmp_path, suffix, delim):
    path = dw.csv(tmp_path / f"data{suffix}", dw.rows(10), delimiter=delim)
    _check(prepare_data(DataConfig(source=str(path))))


def test_csv_quoted_multiline_and_line_numbers(dw, tmp_path):
    path = tmp_path / "d.csv"
    path.write_text('text,label\n"a, b\nc",pos\n' + "".join(f"t{i},{'pos' if i % 2 else 'neg'}\n" for i in range(19)))
    p = prepare_data(DataConfig(source=str(path)))
    texts = [t for s in p.splits.values() for t in s["text"]]
    assert "a, b c" in texts  # newline inside quotes normalised


def test_jsonl(dw, tmp_path):
    _check(prepare_data(DataConfig(source=str(dw.jsonl(tmp_path / "d.jsonl", dw.rows(10))))))


@pytest.mark.parametrize("shape", ["list", "columns", "wrapped"])
def test_json_shapes(dw, tmp_path, shape):
    data = dw.rows(10)
    if shape == "columns":
        payload = {"text": [r["text"] for r in data], "label": [r["label"] for r in data]}
    elif shape == "wrapped":
        payload = {"data": data}
    else:
        payload = data
    path = tmp_path / "d.json"
    path.write_text(json.dumps(payload))
    _check(prepare_data(DataConfig(source=str(path))))


def test_parquet(dw, tmp_path):
    path = tmp_path / "d.parquet"
    pd.DataFrame(dw.rows(10)).to_parquet(path)
    _check(prepare_data(DataConfig(source=str(path))))


@pytest.mark.parametrize("header", [True, False])
def test_semicolon_txt_splits_on_last_semicolon(dw, tmp_path, header):
    data = dw.rows(10)
    data[0]["text"] = "i feel; odd; today"
    path = dw.semicolon(tmp_path / "d.txt", data, header=header)
    p = prepare_data(DataConfig(source=str(path)))
    _check(p)
    assert "i feel; odd; today" in [t for s in p.splits.values() for t in s["text"]]


def test_semicolon_format_forced_on_other_extension(dw, tmp_path):
    path = dw.semicolon(tmp_path / "d.data", dw.rows(10))
    _check(prepare_data(DataConfig(source=str(path), format="semicolon")))


def test_column_mapping(dw, tmp_path):
    data = [{"id": i, "sentence": r["text"], "y": r["label"]} for i, r in enumerate(dw.rows(10))]
    path = dw.csv(tmp_path / "d.csv", data)
    _check(prepare_data(DataConfig(source=str(path), text_column="sentence", label_column="y")))


def test_bom_and_latin1_encoding(dw, tmp_path):
    path = tmp_path / "d.csv"
    body = "text,label\n" + "".join(f"caf\u00e9 {i},{'pos' if i % 2 else 'neg'}\n" for i in range(20))
    path.write_bytes(b"\xef\xbb\xbf" + body.encode("utf-8"))
    assert len(prepare_data(DataConfig(source=str(path))).splits["train"]) == 16
    path.write_bytes(body.encode("latin-1"))
    p = prepare_data(DataConfig(source=str(path), encoding="latin-1"))
    assert p.splits["train"][0]["text"].startswith("caf\u00e9")
