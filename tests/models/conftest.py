"""Tiny model configs shared by the model tests (hidden 32, 2 layers, 4 heads, vocab 100)."""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
import torch

from textbench.models import TextbenchConfig

TINY: dict[str, Any] = dict(
    vocab_size=100,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    max_position_embeddings=32,
    hidden_dropout_prob=0.0,
    attention_probs_dropout_prob=0.0,
    embedding_dropout_prob=0.0,
    lsh_bucket_size=4,
    performer_num_features=16,
)


def tiny_config(**overrides: Any) -> TextbenchConfig:
    return TextbenchConfig(**{**TINY, **overrides})


@pytest.fixture
def make_config() -> Callable[..., TextbenchConfig]:
    return tiny_config


@pytest.fixture(autouse=True)
def _seed_and_one_thread() -> Iterator[None]:
    """Seeded RNG; one intra-op thread (tiny tensors gain nothing from more, and
    thread spinning on a shared 2-core machine costs several times the work)."""
    torch.manual_seed(0)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
