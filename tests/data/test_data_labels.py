"""String and integer labels, class order rules, explicit label_names, hub ClassLabel."""

from __future__ import annotations

import datasets
import pytest

from textbench.data import DataConfig, prepare_data
from textbench.errors import DataError


def test_string_labels_sorted(dw, tmp_path):
    p = prepare_data(DataConfig(source=str(dw.csv(tmp_path / "d.csv", dw.rows(10, labels=("zeta", "alpha", "mid"))))))
    assert p.label_names == ["alpha", "mid", "zeta"]
    assert p.label2id == {"alpha": 0, "mid": 1, "zeta": 2} and p.id2label[2] == "zeta"
    row = p.splits["train"][0]
    assert p.label_names[row["label"]] == row["text"].split()[0]


def test_int_labels_keep_ids(dw, tmp_path):
    data = [{"text": f"t{i}", "label": i % 3} for i in range(30)]
    p = prepare_data(DataConfig(source=str(dw.jsonl(tmp_path / "d.jsonl", data))))
    assert p.label_names == ["0", "1", "2"]
    assert all(int(t[1:]) % 3 == y for t, y in zip(p.splits["train"]["text"], p.splits["train"]["label"]))


def test_int_labels_in_csv_with_gaps_are_renumbered(dw, tmp_path):
    data = [{"text": f"t{i}", "label": [3, 7][i % 2]} for i in range(20)]
    p = prepare_data(DataConfig(source=str(dw.csv(tmp_path / "d.csv", data))))
    assert p.label_names == ["3", "7"]
    assert set(p.splits["train"]["label"]) == {0, 1}


def test_explicit_label_names_order(dw, tmp_path):
    path = dw.csv(tmp_path / "d.csv", dw.rows(10, labels=("pos", "neg")))
    p = prepare_data(DataConfig(source=str(path), label_names=["pos", "neg"]))
    assert p.label_names == ["pos", "neg"]
    assert all(t.startswith(p.label_names[y]) for t, y in zip(p.splits["train"]["text"], p.splits["train"]["label"]))


def test_explicit_label_names_name_int_ids(dw, tmp_path):
    data = [{"text": f"t{i}", "label": i % 2} for i in range(20)]
    p = prepare_data(DataConfig(source=str(dw.jsonl(tmp_path / "d.jsonl", data)), label_names=["bad", "good"]))
    assert p.label_names == ["bad", "good"]


def test_label_not_in_label_names(dw, tmp_path):
    path = dw.csv(tmp_path / "d.csv", dw.rows(10, labels=("pos", "neg")))
    with pytest.raises(DataError, match=r"d\.csv line \d+: label 'neg' is not among .*data.label_names"):
        prepare_data(DataConfig(source=str(path), label_names=["pos", "other"]))


def test_hub_classlabel_names_and_ids(tmp_path):
    feats = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["sad", "joy", "love"])})
    ds = datasets.Dataset.from_dict({"text": [f"t{i}" for i in range(30)], "label": [i % 3 for i in range(30)]}, features=feats)
    ds.save_to_disk(str(tmp_path / "saved"))
    p = prepare_data(DataConfig(source=f"hf:{tmp_path / 'saved'}"))
    assert p.label_names == ["sad", "joy", "love"]
    assert p.created_splits == ["validation", "test"]
    assert all(int(t[1:]) % 3 == y for t, y in zip(p.splits["train"]["text"], p.splits["train"]["label"]))


def test_hub_local_data_folder(dw, split_folder):
    p = prepare_data(DataConfig(source=f"hf:{split_folder}"))
    assert {s: len(p.splits[s]) for s in p.splits} == {"train": 20, "validation": 6, "test": 6}
    assert p.source == f"hf:{split_folder}"


def test_hub_missing_path_is_data_error(tmp_path):
    with pytest.raises(DataError, match="hf:"):
        prepare_data(DataConfig(source=f"hf:{tmp_path / 'nope'}"))


def test_hub_unlabelled_test_split_is_replaced(tmp_path):
    feats = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["neg", "pos"])})
    train = datasets.Dataset.from_dict({"text": [f"t{i}" for i in range(20)], "label": [i % 2 for i in range(20)]}, features=feats)
    test = datasets.Dataset.from_dict({"text": ["u1", "u2"], "label": [-1, -1]}, features=feats)
    datasets.DatasetDict(train=train, test=test).save_to_disk(str(tmp_path / "saved"))
    p = prepare_data(DataConfig(source=f"hf:{tmp_path / 'saved'}"))
    assert p.created_splits == ["validation", "test"] and any("unlabelled" in n for n in p.notes)


def _variant_rows() -> list[dict]:
    spellings = ["pos"] * 12 + ["Pos"] * 4 + ["POS"] * 4 + ["ne\u0301g"] * 10 + ["n\u00e9g"] * 10  # é two ways
    return [{"text": f"text number {i}", "label": label} for i, label in enumerate(spellings)]


def test_labels_differing_only_in_case_or_unicode_form_are_refused(dw, tmp_path):
    path = dw.csv(tmp_path / "d.csv", _variant_rows())
    with pytest.raises(DataError) as e:
        prepare_data(DataConfig(source=str(path)))
    msg = str(e.value)
    assert "'pos' / 'POS' / 'Pos'" in msg and "data.label_case: fold" in msg and "'label'" in msg


def test_label_case_fold_merges_into_the_most_frequent_spelling_and_keep_keeps_them(dw, tmp_path):
    path = dw.csv(tmp_path / "d.csv", _variant_rows())
    folded = prepare_data(DataConfig(source=str(path), label_case="fold"))
    assert len(folded.label_names) == 2 and "pos" in folded.label_names
    assert any("merged" in n and "'pos'" in n for n in folded.notes)
    kept = prepare_data(DataConfig(source=str(path), label_case="keep", validation_size=0.3, test_size=0.3))
    assert {"pos", "Pos", "POS"} <= set(kept.label_names)
