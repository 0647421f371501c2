"""The run folder's records as types: `Manifest`, `Cost`, `TestMetrics`.

Each is written and read by the code here, so a run kind, the study and the report
agree on one shape. The JSON files keep their documented layout: a record's known
fields at the top level, and whatever a run kind adds (``extra``) beside them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from textbench.utils.io import read_json, write_json_atomic

MANIFEST = "manifest.json"
TEST_METRICS = "test_metrics.json"
REFERENCE_METRICS = "reference_metrics.json"
VALIDATION_METRICS = "validation_metrics.json"  # a tuning trial's result (it never sees test)
PRETRAIN_METRICS = "pretrain_metrics.json"  # an MLM pretraining run's result

STATUS_RUNNING = "running"
STATUS_COMPLETE = "complete"

R = TypeVar("R", bound="_Record")


class _Record:
    """Known dataclass fields at the top level of a JSON object; unknown keys kept in ``extra``."""

    extra: dict[str, Any]
    _nested: dict[str, type["_Record"]] = {}  # fields that are records themselves

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            if f.name == "extra":
                continue
            value = getattr(self, f.name)
            out[f.name] = value.to_json() if isinstance(value, _Record) else value
        out.update(self.extra)
        return out

    @classmethod
    def from_json(cls: type[R], data: dict[str, Any]) -> R:
        known = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        kwargs: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        for key, value in data.items():
            if key in known and key != "extra":
                nested = cls._nested.get(key)
                kwargs[key] = nested.from_json(value) if nested and isinstance(value, dict) else value
            else:
                extra[key] = value
        return cls(**kwargs, extra=extra)  # type: ignore[call-arg]


@dataclass
class DataRecord(_Record):
    """Which data a run saw: enough to prove two runs saw the same splits."""

    source: str = ""
    created_splits: list[str] = field(default_factory=list)
    split_hashes: dict[str, str] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, prepared: Any) -> "DataRecord":
        """From a `textbench.data.PreparedData` (its summary already holds the split hashes)."""
        summary = prepared.summary()
        return cls(source=prepared.source, created_splits=list(prepared.created_splits),
                   split_hashes=dict(summary["split_hashes"]), summary=summary)

    @property
    def train_rows(self) -> int | None:
        return (self.summary.get("rows") or {}).get("train")


@dataclass
class Manifest(_Record):
    """``manifest.json``: what ran, on what, with which data, and how it ended."""

    name: str = ""
    kind: str = "finetune"  # "finetune", "baseline", "pretrain" (runs before kinds were recorded: finetune)
    status: str = STATUS_RUNNING
    started: str | None = None
    ended: str | None = None
    total_seconds: float | None = None
    error: str | None = None
    seed: int | None = None
    machine: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=dict)
    git_commit: str | None = None
    data: DataRecord | None = None
    tokenizer_hash: str | None = None
    model_source: str | None = None
    notes: list[str] = field(default_factory=list)
    processes: int = 1
    extra: dict[str, Any] = field(default_factory=dict)
    _nested = {"data": DataRecord}

    @property
    def split_hashes(self) -> dict[str, str]:
        return self.data.split_hashes if self.data else {}


@dataclass
class Cost(_Record):
    """What a run cost: parameters, training time and epochs, memory, inference speed.

    ``global_steps``/``best_epoch`` are None for runs without an optimiser loop (baselines).
    Run-kind extras (the frozen-feature cache's seconds and size) sit in ``extra``.
    """

    parameters: dict[str, int] = field(default_factory=dict)
    train_seconds: float = 0.0
    epochs_completed: float | None = None
    seconds_per_epoch: float | None = None
    train_samples_per_second: float | None = None
    global_steps: int | None = None
    best_epoch: float | None = None
    stopped_by_time_budget: bool = False
    peak_rss_mb: float | None = None
    peak_cuda_mb: float | None = None
    inference_seconds: float | None = None
    texts_per_second: float | None = None
    ms_per_text: float | None = None
    inference_batch_size: int | None = None
    test_examples: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        out = super().to_json()
        if out.get("peak_cuda_mb") is None:  # CPU runs have no GPU peak (the key stays absent)
            out.pop("peak_cuda_mb", None)
        return out


@dataclass
class TestMetrics(_Record):
    """``test_metrics.json``: the test-set report (accuracy, macro_f1, per_class, ...) and the cost."""

    __test__ = False  # not a pytest class

    split: str = "test"
    scores: dict[str, Any] = field(default_factory=dict)
    cost: Cost = field(default_factory=Cost)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"split": self.split, **self.scores, "cost": self.cost.to_json(), **self.extra}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "TestMetrics":
        data = dict(data)
        split = data.pop("split", "test")
        cost = Cost.from_json(data.pop("cost", None) or {})
        extra = {k: data.pop(k) for k in list(data) if k in EXTRA_KEYS}
        return cls(split=split, scores=data, cost=cost, extra=extra)

    def __getitem__(self, key: str) -> Any:
        return self.scores[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.scores.get(key, default)


EXTRA_KEYS = ("baseline",)  # run-kind details beside the scores (the baseline's chosen settings)


def write_record(path: Path, record: _Record) -> Path:
    return write_json_atomic(path, record.to_json())


def read_manifest(run_dir: Path) -> Manifest | None:
    """The run's manifest, or None when there is none (or it is unreadable)."""
    try:
        return Manifest.from_json(read_json(run_dir / MANIFEST))
    except (OSError, ValueError, TypeError):
        return None


def read_test_metrics(run_dir: Path, file: str = TEST_METRICS) -> TestMetrics | None:
    try:
        return TestMetrics.from_json(read_json(run_dir / file))
    except (OSError, ValueError, TypeError):
        return None
