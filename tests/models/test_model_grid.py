"""Every attention x position x pooling x kind builds, trains a step and round-trips."""

from __future__ import annotations

import itertools

import pytest
import torch
from transformers import AutoModelForSequenceClassification

from textbench.models import ATTENTION, POOLING, POSITIONS, TextbenchForSequenceClassification
from textbench.models.configuration import KINDS

GRID = list(itertools.product(ATTENTION.names(), POSITIONS.names(), POOLING.names(), KINDS))


def _batch() -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.randint(1, 100, (3, 11))
    mask = torch.ones_like(ids)
    mask[1, 8:] = 0
    mask[2, 5:] = 0
    return ids, mask


@pytest.mark.parametrize("attention,position,pooling,kind", GRID)
def test_forward_backward(make_config, attention, position, pooling, kind):
    config = make_config(
        attention_type=attention, position_embedding_type=position, pooling=pooling, kind=kind,
        num_labels=3,
    )
    model = TextbenchForSequenceClassification(config)
    ids, mask = _batch()
    out = model(ids, attention_mask=mask, labels=torch.tensor([0, 1, 2]))
    assert out.logits.shape == (3, 3)
    assert torch.isfinite(out.logits).all()
    out.loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None and torch.isfinite(g).all() for g in grads)
    assert model.textbench.embeddings.word_embeddings.weight.grad.abs().sum() > 0


ROUNDTRIP = [
    (*case, POOLING.names()[i % len(POOLING.names())])  # poolings rotate (they hold no weights)
    for i, case in enumerate(itertools.product(ATTENTION.names(), POSITIONS.names(), KINDS))
]


@pytest.mark.parametrize("attention,position,kind,pooling", ROUNDTRIP)
def test_save_load_roundtrip(make_config, tmp_path, attention, position, kind, pooling):
    config = make_config(
        attention_type=attention, position_embedding_type=position, kind=kind, pooling=pooling,
    )
    model = TextbenchForSequenceClassification(config).eval()
    ids, mask = _batch()
    expected = model(ids, attention_mask=mask).logits
    model.save_pretrained(tmp_path)
    loaded = AutoModelForSequenceClassification.from_pretrained(tmp_path).eval()
    assert type(loaded) is TextbenchForSequenceClassification
    assert loaded.config.attention_type == attention
    torch.testing.assert_close(loaded(ids, attention_mask=mask).logits, expected, rtol=0, atol=0)
