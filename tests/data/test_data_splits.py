"""Seeded stratified splits where validation/test are missing; subsamples."""

from __future__ import annotations

from collections import Counter

from textbench.data import DataConfig, prepare_data
from textbench.data.splits import stratified_indices


def _big(dw, tmp_path):
    data = dw.rows(60, labels=("a", "b")) + dw.rows(20, labels=("c",))
    return dw.csv(tmp_path / "d.csv", data)  # 60/60/20 = 140 rows


def test_created_splits_recorded_stratified_and_reproducible(dw, tmp_path):
    path = _big(dw, tmp_path)
    p1 = prepare_data(DataConfig(source=str(path)))
    p2 = prepare_data(DataConfig(source=str(path)))
    p3 = prepare_data(DataConfig(source=str(path), split_seed=7))
    assert p1.created_splits == ["validation", "test"]
    assert {s: len(p1.splits[s]) for s in p1.splits} == {"train": 112, "validation": 14, "test": 14}
    assert p1.class_counts("test") == {"a": 6, "b": 6, "c": 2}
    for s in ("train", "validation", "test"):
        assert p1.split_hash(s) == p2.split_hash(s)
    assert p1.split_hash("test") != p3.split_hash("test")
    assert p1.summary()["created_splits"] == ["validation", "test"]


def test_only_missing_split_is_created(dw, tmp_path):
    dw.csv(tmp_path / "train.csv", dw.rows(20))
    dw.csv(tmp_path / "test.csv", dw.rows(5, tag="t "))
    p = prepare_data(DataConfig(source=str(tmp_path), validation_size=0.2))
    assert p.created_splits == ["validation"]
    assert (len(p.splits["train"]), len(p.splits["validation"]), len(p.splits["test"])) == (32, 8, 10)


def test_train_fraction_and_caps(dw, tmp_path):
    path = _big(dw, tmp_path)
    p = prepare_data(DataConfig(source=str(path), train_fraction=0.5, max_eval_samples=7))
    assert len(p.splits["train"]) == 56
    assert p.class_counts("train") == {"a": 24, "b": 24, "c": 8}
    assert len(p.splits["validation"]) == len(p.splits["test"]) == 7
    assert p.subsampled["train"] == {"rows_before": 112, "rows_after": 56}
    q = prepare_data(DataConfig(source=str(path), max_train_samples=10, train_fraction=0.5))
    assert len(q.splits["train"]) == 10 and min(q.class_counts("train").values()) >= 1
    again = prepare_data(DataConfig(source=str(path), max_train_samples=10, train_fraction=0.5))
    assert q.split_hash("train") == again.split_hash("train")


def test_stratified_indices_keep_shares_and_every_class():
    labels = [0] * 90 + [1] * 9 + [2] * 1
    idx = stratified_indices(labels, 10, seed=0)
    counts = Counter(labels[i] for i in idx)
    assert len(idx) == 10 and idx == sorted(idx) and set(counts) == {0, 1, 2}
    assert stratified_indices(labels, 10, seed=0) == idx


def _rare_rows(rare: int) -> list[dict]:
    rows = [{"text": f"common text {i}", "label": ["a", "b"][i % 2]} for i in range(60)]
    return rows + [{"text": f"rare text {i}", "label": "rare"} for i in range(rare)]


def test_a_rare_class_gets_a_row_in_validation_and_test_where_counts_allow(dw, tmp_path):
    p = prepare_data(DataConfig(source=str(dw.csv(tmp_path / "three.csv", _rare_rows(3)))))
    counts = {s: p.class_counts(s).get("rare", 0) for s in ("train", "validation", "test")}
    assert counts == {"train": 1, "validation": 1, "test": 1}
    assert not any("no examples" in n for n in p.notes)


def test_a_class_too_rare_for_every_split_is_said_not_silently_scored(dw, tmp_path):
    p = prepare_data(DataConfig(source=str(dw.csv(tmp_path / "two.csv", _rare_rows(2)))))
    assert p.class_counts("train").get("rare") == 1 and p.class_counts("validation").get("rare") == 1
    assert p.class_counts("test").get("rare", 0) == 0
    assert any("have no examples in test ('rare'" in n for n in p.notes)
