"""The run folder's typed records round-trip through their JSON files and keep unknown keys."""

from __future__ import annotations

from textbench.runs.records import (Cost, DataRecord, Manifest, TestMetrics, read_manifest, read_test_metrics,
                                    write_record)


def test_manifest_round_trip_keeps_what_a_run_kind_added(tmp_path):
    m = Manifest(name="r", kind="pretrain", seed=3, data=DataRecord(source="csv:x", split_hashes={"test": "h"}),
                 extra={"objective": "masked-lm"})
    write_record(tmp_path / "manifest.json", m)
    back = read_manifest(tmp_path)
    assert back == m
    assert back.split_hashes == {"test": "h"} and back.extra["objective"] == "masked-lm"


def test_manifests_of_older_runs_read_as_finetune_runs(tmp_path):
    (tmp_path / "manifest.json").write_text('{"name": "old", "status": "complete", "frozen_cache": false}')
    m = read_manifest(tmp_path)
    assert (m.kind, m.status, m.extra) == ("finetune", "complete", {"frozen_cache": False})
    assert read_manifest(tmp_path / "missing") is None


def test_test_metrics_layout_is_the_documented_one(tmp_path):
    cost = Cost(parameters={"total": 5}, train_seconds=1.5, extra={"frozen_cache_seconds": 2.0})
    tm = TestMetrics(scores={"accuracy": 0.5, "macro_f1": 0.4}, cost=cost, extra={"baseline": {"C_selected": 1}})
    data = tm.to_json()
    assert data["split"] == "test" and data["accuracy"] == 0.5 and data["baseline"] == {"C_selected": 1}
    assert data["cost"]["frozen_cache_seconds"] == 2.0 and "peak_cuda_mb" not in data["cost"]
    write_record(tmp_path / "test_metrics.json", tm)
    back = read_test_metrics(tmp_path)
    assert back == tm and back["macro_f1"] == 0.4 and back.get("missing") is None
