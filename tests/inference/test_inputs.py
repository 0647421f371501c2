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


def test_an_empty_line_inside_the_input_keeps_its_place(tmp_path):
    plain = tmp_path / "texts.txt"
    plain.write_text("first line\n\n   \nfourth line\n\n\n", encoding="utf-8")
    assert read_texts(str(plain)) == ["first line", "", "   ", "fourth line"]  # trailing blanks go
    csv_file = tmp_path / "t.csv"
    csv_file.write_text("text\nfine\n\"\"\nalso\n", encoding="utf-8")
    assert read_texts(str(csv_file)) == ["fine", "", "also"]


def test_an_unterminated_quote_in_a_csv_is_an_error_not_one_long_text(tmp_path):
    bad = tmp_path / "q.csv"
    bad.write_text('text\n"unterminated quote\nsecond row\nthird row\n', encoding="utf-8")
    with pytest.raises(DataError, match=r"q.csv line \d+: cannot parse CSV .*check the quotes"):
        read_texts(str(bad))
