"""Bad input gives a one-line DataError naming the file, column or row."""

from __future__ import annotations

import json

import pytest

from textbench.data import DataConfig, prepare_data
from textbench.errors import ConfigError, DataError


def _err(cfg: DataConfig, base_dir=None) -> str:
    with pytest.raises(DataError) as info:
        prepare_data(cfg, base_dir=base_dir)
    msg = info.value.one_line()
    assert "\n" not in str(info.value)
    return msg


def _lines(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _body(n: int = 20) -> str:
    return "".join(f"t{i},{'pos' if i % 2 else 'neg'}\n" for i in range(n))


def test_missing_file(tmp_path):
    assert "missing.csv" in _err(DataConfig(train_file="missing.csv"), tmp_path)
    assert "not found" in _err(DataConfig(source=str(tmp_path / "nowhere.csv")))


def test_empty_file_and_header_only(tmp_path):
    assert "e.csv is empty" in _err(DataConfig(source=_lines(tmp_path, "e.csv", "")))
    assert "no data rows" in _err(DataConfig(source=_lines(tmp_path, "h.csv", "text,label\n")))


def test_missing_column_lists_found(tmp_path):
    msg = _err(DataConfig(source=_lines(tmp_path, "d.csv", "sentence,label\n" + _body())))
    assert "no column 'text'" in msg and "'sentence', 'label'" in msg and "data.text_column" in msg
    msg = _err(DataConfig(source=_lines(tmp_path, "d.jsonl", '{"text": "a", "y": 1}\n')))
    assert "d.jsonl" in msg and "no column 'label'" in msg


def test_wrong_delimiter(tmp_path):
    msg = _err(DataConfig(source=_lines(tmp_path, "d.csv", "text,label\n" + _body()), format="tsv"))
    assert "single column 'text,label'" in msg and "comma-separated" in msg and "format: csv" in msg
    msg = _err(DataConfig(source=_lines(tmp_path, "d.tsv", "text\tlabel\n" + _body().replace(",", "\t")), format="csv"))
    assert "tab-separated" in msg and "format: tsv" in msg
    msg = _err(DataConfig(source=_lines(tmp_path, "d.txt", "hello\tpos\n")))
    assert "line 1 has no ';'" in msg and "tab-separated" in msg


def test_ragged_csv_row(tmp_path):
    msg = _err(DataConfig(source=_lines(tmp_path, "d.csv", "text,label\na,pos\nb, c,neg\n")))
    assert "d.csv line 3 has 3 fields" in msg


@pytest.mark.parametrize(
    "bad,expect",
    [("", "is empty"), ("nan", "'nan'"), ("2.5", "not an integer"), ("0.5", "not an integer")],
)
def test_bad_label_names_line(tmp_path, bad, expect):
    text = "text,label\n" + _body(4) + f"oops,{bad}\n" + _body(10)
    msg = _err(DataConfig(source=_lines(tmp_path, "d.csv", text)))
    assert "d.csv line 6" in msg and expect in msg and "'label'" in msg


def test_json_null_and_float_labels(tmp_path):
    rows = [{"text": f"t{i}", "label": i % 2} for i in range(6)]
    rows[3]["label"] = None
    path = tmp_path / "d.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert "d.jsonl line 4" in _err(DataConfig(source=str(path))) and "missing" in _err(DataConfig(source=str(path)))
    rows[3]["label"] = 0.7
    path.write_text(json.dumps(rows))
    assert "d.jsonl record 4: label 0.7" in _err(DataConfig(source=str(path), format="json"))


def test_mixed_label_types(tmp_path):
    text = "text,label\n" + "".join(f"t{i},{i % 2}\n" for i in range(5)) + "x,pos\n"
    msg = _err(DataConfig(source=_lines(tmp_path, "d.csv", text)))
    assert "mix integers and strings" in msg and "d.csv line 7" in msg


def test_unseen_eval_label(dw, tmp_path):
    dw.csv(tmp_path / "train.csv", dw.rows(5))
    dw.csv(tmp_path / "test.csv", dw.rows(2, tag="t ") + [{"text": "new", "label": "surprise"}])
    dw.csv(tmp_path / "valid.csv", dw.rows(2, tag="v "))
    msg = _err(DataConfig(source=str(tmp_path)))
    assert "test.csv line 6" in msg and "'surprise'" in msg and "never occurs in train" in msg


def test_only_one_class(dw, tmp_path):
    msg = _err(DataConfig(source=str(dw.csv(tmp_path / "d.csv", dw.rows(10, labels=("pos",))))))
    assert "only one class ('pos')" in msg and "d.csv" in msg


def test_rare_class_needs_split_files(dw, tmp_path):
    data = dw.rows(10) + [{"text": "lonely", "label": "rare"}]
    msg = _err(DataConfig(source=str(dw.csv(tmp_path / "d.csv", data))))
    assert "class 'rare' has only 1 example" in msg and "data.validation_file" in msg


def test_three_rows(tmp_path):
    msg = _err(DataConfig(source=_lines(tmp_path, "d.csv", "text,label\na,pos\nb,neg\nc,pos\n")))
    assert "d.csv" in msg and "class 'neg'" in msg
    msg = _err(DataConfig(source=_lines(tmp_path, "e.csv", "text,label\na,pos\nb,neg\nc,pos\nd,neg\n")))
    assert "too few for a stratified" in msg


def test_undecodable_bytes(tmp_path):
    path = tmp_path / "d.csv"
    path.write_bytes(b"text,label\ncaf\xe9,pos\n")
    msg = _err(DataConfig(source=str(path)))
    assert "d.csv: byte 14 (line 2)" in msg and "data.encoding" in msg


def test_empty_split_after_cleaning(dw, tmp_path):
    dw.csv(tmp_path / "train.csv", dw.rows(5))
    (tmp_path / "test.csv").write_text('text,label\n"  ",pos\n"",neg\n')
    msg = _err(DataConfig(source=str(tmp_path)))
    assert "test split" in msg and "test.csv" in msg and "empty after cleaning" in msg and "2 empty" in msg


def test_eval_split_emptied_by_leakage_removal(dw, tmp_path):
    dw.csv(tmp_path / "train.csv", dw.rows(5))
    dw.csv(tmp_path / "val.csv", dw.rows(2, tag="v "))
    dw.csv(tmp_path / "test.csv", dw.rows(1))
    assert "leaked rows removed" in _err(DataConfig(source=str(tmp_path), remove_leakage=True))


def test_bad_json_line(tmp_path):
    msg = _err(DataConfig(source=_lines(tmp_path, "d.jsonl", '{"text": "a", "label": 1}\n{oops\n')))
    assert "d.jsonl line 2 is not valid JSON" in msg


def test_long_text_is_kept_with_note(dw, tmp_path):
    data = dw.rows(10)
    data[0]["text"] = "word " * 220_000
    p = prepare_data(DataConfig(source=str(dw.jsonl(tmp_path / "d.jsonl", data))))
    assert any("longer than 1 MB" in n and "d.jsonl line 1" in n for n in p.notes)


def test_config_ranges():
    with pytest.raises(ConfigError, match="data.test_size"):
        prepare_data(DataConfig(test_size=1.5))
    with pytest.raises(ConfigError, match="data.encoding"):
        prepare_data(DataConfig(encoding="klingon"))
