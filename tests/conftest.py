"""Shared fixtures: tiny generated data and the location of ../shared/datasets."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sys

sys.path.insert(0, str(Path(__file__).resolve().parent))


def _share_cores_among_workers() -> None:
    """Under pytest-xdist (``-n N``): each worker's torch threads are its share of the cores.

    Set before torch loads, and inherited by the processes a test starts (textbench reads
    TEXTBENCH_THREADS where a config leaves ``train.threads`` unset), so that N workers do not each
    run as many threads as there are cores and spin against one another. No affinity is set: a
    worker waiting on its subprocesses leaves its core to the others.
    """
    from textbench.runtime.cpus import THREADS_ENV
    from textbench.runtime.environment import available_cores  # no torch import

    worker, count = os.environ.get("PYTEST_XDIST_WORKER", ""), os.environ.get("PYTEST_XDIST_WORKER_COUNT", "")
    if not worker.startswith("gw") or not count.isdigit():
        return
    share = str(max(1, available_cores() // int(count)))
    os.environ["OMP_NUM_THREADS"] = os.environ[THREADS_ENV] = share


_share_cores_among_workers()
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
import tempfile  # noqa: E402

# trained tokenizers are cached by content; keep the tests' cache out of the user's
os.environ["TEXTBENCH_TOKENIZER_CACHE_DIR"] = tempfile.mkdtemp(prefix="textbench-test-tokenizers-")

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATASETS = ROOT.parent / "shared" / "datasets"


def pytest_collection_modifyitems(config, items):
    if SHARED_DATASETS.is_dir():
        return
    skip = pytest.mark.skip(reason="needs ../shared/datasets (not present in this checkout)")
    for item in items:
        if "shared" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def shared_datasets() -> Path:
    if not SHARED_DATASETS.is_dir():
        pytest.skip("needs ../shared/datasets")
    return SHARED_DATASETS


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    """A small 3-class CSV with non-default column names, 60 rows."""
    return _tiny_csv(tmp_path)


@pytest.fixture(scope="module")
def tiny_csv_module(tmp_path_factory) -> Path:
    return _tiny_csv(tmp_path_factory.mktemp("csv"))


def _tiny_csv(tmp_path: Path) -> Path:
    import random

    rng = random.Random(0)
    words = {
        "pos": ["great", "love", "happy", "wonderful", "excellent", "good"],
        "neg": ["awful", "hate", "sad", "terrible", "bad", "horrible"],
        "neu": ["table", "monday", "paper", "street", "window", "train"],
    }
    lines = ["review,sentiment"]
    for i in range(60):
        lab = ["pos", "neg", "neu"][i % 3]
        text = " ".join(rng.choice(words[lab]) for _ in range(5)) + f" item{i}"
        lines.append(f"{text},{lab}")
    p = tmp_path / "tiny.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture
def tiny_multilabel_csv(tmp_path: Path) -> Path:
    """A small multi-label CSV (columns ``text``, ``labels`` = "|"-joined names), 90 rows."""
    return tiny_multilabel(tmp_path)


def tiny_multilabel(tmp_path: Path, rows: int = 90) -> Path:
    """Labels sport / politics / music, each from its own words (in the tiny BERT's vocabulary); a row has
    none, one or two labels."""
    import random

    rng = random.Random(0)
    words = {"sport": ["great", "love", "happy", "wonderful"], "politics": ["awful", "hate", "sad", "terrible"],
             "music": ["table", "monday", "paper", "street"]}
    filler = ["the", "a", "is", "it", "this", "that"]
    sets = [("sport",), ("politics",), ("music",), ("sport", "politics"), ("politics", "music"),
            ("sport", "music"), ()]
    lines = ["text,labels"]
    for i in range(rows):
        labels = sets[i % len(sets)]
        text = [rng.choice(words[label]) for label in labels for _ in range(2)] + rng.sample(filler, 3)
        rng.shuffle(text)
        lines.append(f"{' '.join(text)} item{i},{'|'.join(labels)}")
    p = tmp_path / "multilabel.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    from helpers.tiny_models import tiny_bert

    return tiny_bert(tmp_path_factory.mktemp("tiny-bert"))
