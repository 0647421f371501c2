"""Multi-label data: label sets from a delimited string, a JSON list or 0/1 columns; splits, subsamples
and folds by iterative stratification; the prepared label column holds K floats per row."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from textbench.config import load_run_config
from textbench.data import DataConfig, prepare_data
from textbench.errors import ConfigError, DataError

NAMES = ["music", "politics", "sport"]


def _config(path, **kw) -> DataConfig:
    return DataConfig(source=str(path), label_column="labels", multi_label=True, label_delimiter="|", **kw)


def _sets(prepared, split: str) -> list[set[str]]:
    return [{prepared.label_names[i] for i, v in enumerate(row) if v} for row in prepared.splits[split]["label"]]


def _all_sets(prepared) -> dict[str, set[str]]:
    """text -> label names over every split."""
    return {t: s for split in ("train", "validation", "test")
            for t, s in zip(prepared.splits[split]["text"], _sets(prepared, split))}


def test_delimited_labels_become_k_floats_per_row(tiny_multilabel_csv):
    p = prepare_data(_config(tiny_multilabel_csv))
    assert p.multi_label and p.label_names == NAMES
    assert p.splits["train"].features["label"].length == 3
    rows = pd.read_csv(tiny_multilabel_csv, keep_default_na=False)
    want = {t: set(s.split("|")) - {""} for t, s in zip(rows["text"], rows["labels"])}
    assert _all_sets(p) == want  # every row kept with its own set, the empty set included
    assert set() in want.values() and any(len(s) == 2 for s in want.values())
    row = p.splits["train"][0]["label"]
    assert all(v in (0.0, 1.0) for v in row)
    assert p.summary()["multi_label"] is True
    assert p.class_counts("train") == {n: sum(n in s for s in _sets(p, "train")) for n in NAMES}


def test_created_splits_keep_every_label_in_every_split(tiny_multilabel_csv):
    p = prepare_data(_config(tiny_multilabel_csv, validation_size=0.2, test_size=0.2))
    assert p.created_splits == ["validation", "test"]
    sizes = {s: len(p.splits[s]) for s in ("train", "validation", "test")}
    assert sizes == {"train": 54, "validation": 18, "test": 18}
    for split in ("validation", "test"):
        counts = p.class_counts(split)
        # iterative stratification: each label's share of the split near its share of the data (3/7 of rows)
        assert all(7 <= counts[n] <= 9 for n in NAMES), counts


def test_json_list_cells_and_jsonl_lists_read_the_same(tmp_path, tiny_multilabel_csv):
    rows = pd.read_csv(tiny_multilabel_csv, keep_default_na=False)
    lists = [s.split("|") if s else [] for s in rows["labels"]]
    as_json = tmp_path / "cells.csv"
    pd.DataFrame({"text": rows["text"], "labels": [json.dumps(x) for x in lists]}).to_csv(as_json, index=False)
    jsonl = tmp_path / "rows.jsonl"
    jsonl.write_text("".join(json.dumps({"text": t, "labels": x}) + "\n" for t, x in zip(rows["text"], lists)))
    parquet = tmp_path / "rows.parquet"
    pd.DataFrame({"text": rows["text"], "labels": lists}).to_parquet(parquet)
    want = _all_sets(prepare_data(_config(tiny_multilabel_csv)))
    for path in (as_json, jsonl, parquet):
        p = prepare_data(DataConfig(source=str(path), label_column="labels", multi_label=True))
        assert p.label_names == NAMES and _all_sets(p) == want, path.name


def test_zero_one_columns_name_the_labels_in_their_order(tmp_path, tiny_multilabel_csv):
    rows = pd.read_csv(tiny_multilabel_csv, keep_default_na=False)
    order = ["sport", "politics", "music"]
    wide = pd.DataFrame({"text": rows["text"], **{n: [int(n in s.split("|")) for s in rows["labels"]] for n in order}})
    path = tmp_path / "wide.csv"
    wide.to_csv(path, index=False)
    p = prepare_data(DataConfig(source=str(path), label_columns=order))
    assert p.multi_label and p.label_names == order
    assert _all_sets(p) == _all_sets(prepare_data(_config(tiny_multilabel_csv)))
    wide.loc[4, "politics"] = 2
    wide.to_csv(path, index=False)
    with pytest.raises(DataError, match=r"wide.csv line 6: label column 'politics' holds '2'"):
        prepare_data(DataConfig(source=str(path), label_columns=order))
    with pytest.raises(DataError, match=r"has no column 'arts'"):
        prepare_data(DataConfig(source=str(path), label_columns=["sport", "arts"]))


@pytest.mark.parametrize("cfg,message", [
    ({"label_columns": ["a"]}, "data.label_columns needs at least two columns"),
    ({"label_columns": ["text", "b"]}, "data.label_columns includes the text column"),
    ({"label_columns": ["a", "b"], "format": "semicolon"}, "not the semicolon format"),
    ({"multi_label": True, "label_delimiter": ""}, "data.label_delimiter must not be empty"),
])
def test_bad_multi_label_settings(cfg, message):
    with pytest.raises(ConfigError, match=message):
        DataConfig(**cfg).validate()


def test_label_smoothing_is_refused_for_multi_label(tiny_multilabel_csv):
    with pytest.raises(ConfigError, match="train.label_smoothing=0.1: smooths a softmax over classes"):
        load_run_config(None, [f"data.source={tiny_multilabel_csv}", "data.label_column=labels",
                               "data.multi_label=true", "train.label_smoothing=0.1"])


def test_bad_label_cells_name_their_row(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("text,labels\na b,x|y\nc d,\"[\"\"x\"\", \"\"y\"\"]\"\ne f,\"[x, y\"\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"bad.csv line 4: labels '\[x, y' in column 'labels' look like a JSON list"):
        prepare_data(DataConfig(source=str(path), label_column="labels", multi_label=True, label_delimiter="|"))
    jsonl = tmp_path / "null.jsonl"
    jsonl.write_text('{"text": "a", "labels": ["x", "y"]}\n{"text": "b", "labels": null}\n')
    with pytest.raises(DataError, match=r"null.jsonl line 2: labels in column 'labels' are missing"):
        prepare_data(DataConfig(source=str(jsonl), label_column="labels", multi_label=True))


def test_a_label_seen_only_in_test_is_an_error(tmp_path):
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    train.write_text("text,labels\n" + "".join(f"t{i},{'a|b' if i % 2 else 'a'}\n" for i in range(20)))
    test.write_text("text,labels\nq1,a\nq2,a|c\n")
    with pytest.raises(DataError, match=r"test.csv line 3: label 'c' in test never occurs in train"):
        prepare_data(DataConfig(source=str(train), test_file=str(test), label_column="labels", multi_label=True,
                                label_delimiter="|"))


def test_single_label_train_is_refused(tmp_path):
    path = tmp_path / "one.csv"
    path.write_text("text,labels\n" + "".join(f"t{i},{'a' if i % 2 else ''}\n" for i in range(20)))
    with pytest.raises(DataError, match="has only one class"):
        prepare_data(DataConfig(source=str(path), label_column="labels", multi_label=True))


def test_case_variants_fold_inside_label_sets(tmp_path):
    path = tmp_path / "case.csv"
    path.write_text("text,labels\n" + "".join(f"t{i},{'Sport|music' if i % 3 else 'sport|politics'}\n"
                                             for i in range(30)))
    with pytest.raises(DataError, match="differ only in case"):
        prepare_data(DataConfig(source=str(path), label_column="labels", multi_label=True, label_delimiter="|"))
    p = prepare_data(DataConfig(source=str(path), label_column="labels", multi_label=True, label_delimiter="|",
                                label_case="fold"))
    assert p.label_names == ["Sport", "music", "politics"]  # "Sport" (20 rows) over "sport" (10)
    assert p.class_counts("train")["Sport"] == len(p.splits["train"])  # every row has it, once


def test_subsample_and_folds_keep_label_shares_and_are_seeded(tmp_path):
    from conftest import tiny_multilabel

    path = tiny_multilabel(tmp_path, rows=280)
    cfg = _config(path, max_train_samples=70)
    p, again = prepare_data(cfg), prepare_data(cfg)
    assert len(p.splits["train"]) == 70 and p.split_hash("train") == again.split_hash("train")
    counts = p.class_counts("train")
    assert all(27 <= counts[n] <= 33 for n in NAMES), counts  # 3/7 of 70 = 30 each
    folds = [prepare_data(_config(path, cv_folds=4, cv_fold=f)) for f in range(4)]
    vals = [set(f.splits["validation"]["text"]) for f in folds]
    assert all(not (vals[i] & vals[j]) for i in range(4) for j in range(i + 1, 4))
    pool = set(folds[0].splits["train"]["text"]) | vals[0]
    assert set().union(*vals) == pool  # the folds cover train + validation
    assert len({f.split_hash("test") for f in folds}) == 1  # test untouched
    for f in folds:
        c = f.class_counts("validation")
        n = len(f.splits["validation"])
        assert all(abs(c[name] / n - 3 / 7) < 0.05 for name in NAMES), c
    assert "iterative stratification" in folds[0].notes[-1]


def test_hash_depends_on_label_sets(tmp_path):
    files = {}
    for split, n in (("train", 30), ("validation", 8), ("test", 8)):
        files[split] = tmp_path / f"{split}.csv"
        files[split].write_text("text,labels\n" + "".join(f"{split} {i},{'a|b' if i % 2 else 'a'}\n" for i in range(n)))

    def prepared():
        return prepare_data(DataConfig(source=str(files["train"]), validation_file=str(files["validation"]),
                                       test_file=str(files["test"]), label_column="labels", multi_label=True,
                                       label_delimiter="|"))

    before = prepared()
    files["test"].write_text(files["test"].read_text().replace("test 1,a|b", "test 1,a"))
    after = prepared()
    changed = [s for s in ("train", "validation", "test") if before.split_hash(s) != after.split_hash(s)]
    assert changed == ["test"]  # the label set of one row is part of its split's hash


def test_hub_sequence_of_classlabels_keeps_its_names(tmp_path):
    import datasets

    names = ["anger", "joy", "love", "fear"]  # the declared order, not sorted
    feats = datasets.Features({"text": datasets.Value("string"),
                               "labels": datasets.Sequence(datasets.ClassLabel(names=names))})
    rows = [[i % 4] if i % 3 else [i % 4, (i + 1) % 4] for i in range(60)]
    ds = datasets.Dataset.from_dict({"text": [f"t{i}" for i in range(60)], "labels": rows}, features=feats)
    ds.save_to_disk(str(tmp_path / "saved"))
    p = prepare_data(DataConfig(source=f"hf:{tmp_path / 'saved'}", label_column="labels", multi_label=True))
    assert p.label_names == names
    got = {t: {i for i, v in enumerate(row) if v} for split in p.splits.values()
           for t, row in zip(split["text"], split["label"])}
    assert got == {f"t{i}": set(r) for i, r in enumerate(rows)}


def test_a_list_label_without_multi_label_says_what_to_set(tmp_path):
    path = tmp_path / "lists.jsonl"
    path.write_text('{"text": "a", "labels": ["x", "y"]}\n{"text": "b", "labels": ["x"]}\n')
    with pytest.raises(DataError, match=r"lists.jsonl line 1: label in column 'labels' is a list \(\['x', 'y'\]\);"
                                        r" several labels per text need data.multi_label: true"):
        prepare_data(DataConfig(source=str(path), label_column="labels"))
