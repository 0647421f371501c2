"""Helpers for data tests: tiny generated files in tmp_path."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from types import SimpleNamespace

import pytest

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "datasets"


def rows(n_per_class: int = 10, labels: tuple = ("neg", "pos"), tag: str = "") -> list[dict]:
    """Distinct texts, `n_per_class` per label, interleaved."""
    return [
        {"text": f"{tag}{label} text number {i}", "label": label}
        for i in range(n_per_class)
        for label in labels
    ]


def write_csv(path: Path, data: list[dict], delimiter: str = ",") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=list(data[0]), delimiter=delimiter)
        w.writeheader()
        w.writerows(data)
    return path


def write_jsonl(path: Path, data: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in data), encoding="utf-8")
    return path


def write_semicolon(path: Path, data: list[dict], header: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = (["text;label_name"] if header else []) + [f"{r['text']};{r['label']}" for r in data]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def split_folder(tmp_path: Path) -> Path:
    """A folder with train.csv, dev.csv, test.csv (20/6/6 rows, 2 classes)."""
    folder = tmp_path / "ds"
    write_csv(folder / "train.csv", rows(10))
    write_csv(folder / "dev.csv", rows(3, tag="dev "))
    write_csv(folder / "test.csv", rows(3, tag="test "))
    return folder


@pytest.fixture(autouse=True)
def _datasets_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep `datasets` caches of hf: tests out of the home folder."""
    import datasets

    monkeypatch.setattr(datasets.config, "HF_DATASETS_CACHE", tmp_path / "hf-cache")


@pytest.fixture
def dw() -> SimpleNamespace:
    """The writers above, as a fixture (test modules do not import conftest)."""
    return SimpleNamespace(rows=rows, csv=write_csv, jsonl=write_jsonl, semicolon=write_semicolon)


@pytest.fixture
def shared_datasets() -> Path:
    """../shared/datasets; skips the test when a fresh clone lacks it."""
    if not SHARED.exists():
        pytest.skip("../shared/datasets not present")
    return SHARED.resolve()
