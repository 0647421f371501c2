"""Texts to predict: a JSON value that is not a text is a bad row, named by its line."""

from __future__ import annotations

import pytest

from textbench.errors import DataError
from textbench.inference.inputs import read_texts


def test_jsonl_texts_and_rows_that_are_not_texts(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text('{"text": "fine"}\n\n{"text": "also fine"}\n', encoding="utf-8")
    assert read_texts(str(good)) == ["fine", "also fine"]
    for value in ("null", "3", "[\"a\"]"):
        bad = tmp_path / "bad.jsonl"
        bad.write_text(f'{{"text": "fine"}}\n{{"text": {value}}}\n', encoding="utf-8")
        with pytest.raises(DataError, match=r"bad.jsonl: line 2: 'text' is .*, not a text"):
            read_texts(str(bad))
