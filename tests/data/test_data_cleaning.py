"""Each cleaning step is counted; leakage reported and removed from the evaluation side."""

from __future__ import annotations

from textbench.data import DataConfig, prepare_data
from textbench.data.cleaning import normalize_whitespace


def test_whitespace_rule():
    assert normalize_whitespace("  a\t\tb\r\n c\u00a0 d  ") == "a b c d"


def test_cleaning_counts(dw, tmp_path):
    data = dw.rows(10)
    data += [
        {"text": "  spaced \t out\n text ", "label": "pos"},  # whitespace
        {"text": "   ", "label": "neg"},  # empty after normalising
        {"text": "", "label": "pos"},  # empty
        {"text": "neg text number 1", "label": "neg"},  # duplicate, same label
        {"text": "neg  text number 2", "label": "pos"},  # duplicate after normalising, conflicting label
    ]
    dw.csv(tmp_path / "train.csv", data)
    dw.csv(tmp_path / "val.csv", dw.rows(3, tag="v "))
    dw.csv(tmp_path / "test.csv", dw.rows(3, tag="t "))
    p = prepare_data(DataConfig(source=str(tmp_path)))
    c = p.cleaning["train"]
    assert c["rows_in"] == 25
    assert c["whitespace_normalised"] == 3  # spaced, "   ", "neg  text number 2"
    assert c["empty_dropped"] == 2
    assert c["duplicates_dropped"] == 2 and c["duplicate_label_conflicts"] == 1
    assert c["rows_out"] == 21 == len(p.splits["train"])
    assert "spaced out text" in p.splits["train"]["text"]
    # the first copy (label neg) is kept
    i = p.splits["train"]["text"].index("neg text number 2")
    assert p.label_names[p.splits["train"][i]["label"]] == "neg"


def test_cleaning_can_be_switched_off(dw, tmp_path):
    data = dw.rows(10) + [{"text": " a  b ", "label": "pos"}, {"text": " a  b ", "label": "pos"}]
    dw.csv(tmp_path / "train.csv", data)
    dw.csv(tmp_path / "val.csv", dw.rows(3, tag="v "))
    dw.csv(tmp_path / "test.csv", dw.rows(3, tag="t "))
    p = prepare_data(DataConfig(source=str(tmp_path), normalize_whitespace=False, drop_duplicates=False))
    assert p.cleaning["train"]["rows_out"] == 22 and p.splits["train"]["text"].count(" a  b ") == 2


def _leaky(dw, tmp_path):
    dw.csv(tmp_path / "train.csv", dw.rows(10))
    val = dw.rows(3, tag="v ") + [{"text": "pos text number 4", "label": "pos"}]  # in train
    test = dw.rows(3, tag="t ") + [
        {"text": "neg text number 5", "label": "neg"},  # in train
        {"text": "v pos text number 0", "label": "pos"},  # in validation
    ]
    dw.csv(tmp_path / "val.csv", val)
    dw.csv(tmp_path / "test.csv", test)


def test_leakage_reported_not_removed_by_default(dw, tmp_path):
    _leaky(dw, tmp_path)
    p = prepare_data(DataConfig(source=str(tmp_path)))
    assert p.leakage == {"validation-train": 1, "test-train": 1, "test-validation": 1}
    assert p.cleaning["validation"]["leakage_found"] == 1 and p.cleaning["test"]["leakage_found"] == 2
    assert p.cleaning["test"]["leakage_removed"] == 0 and len(p.splits["test"]) == 8


def test_leakage_removed_from_eval_side(dw, tmp_path):
    _leaky(dw, tmp_path)
    p = prepare_data(DataConfig(source=str(tmp_path), remove_leakage=True))
    assert len(p.splits["train"]) == 20
    assert len(p.splits["validation"]) == 6 and p.cleaning["validation"]["leakage_removed"] == 1
    assert len(p.splits["test"]) == 6 and p.cleaning["test"]["leakage_removed"] == 2
    assert not set(p.splits["test"]["text"]) & (set(p.splits["train"]["text"]) | set(p.splits["validation"]["text"]))
    assert p.summary()["leakage"]["test-validation"] == 1
