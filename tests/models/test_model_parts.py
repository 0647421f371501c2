"""Pooling, heads, performer redraw and parameter counts."""

from __future__ import annotations

import pytest
import torch

from textbench.models import (
    HEADS,
    POOLING,
    TextbenchForMaskedLM,
    TextbenchForSequenceClassification,
    count_parameters,
)
from textbench.models.attention import PerformerAttention


@pytest.mark.parametrize("name", POOLING.names())
def test_pooling_all_padding_row_is_zero(name):
    hidden = torch.randn(2, 5, 4)
    mask = torch.tensor([[1, 1, 0, 0, 0], [0, 0, 0, 0, 0]])
    pooled = POOLING.get(name)(hidden, mask)
    assert pooled.shape == (2, 4) and torch.isfinite(pooled).all()
    if name != "cls":
        assert torch.equal(pooled[1], torch.zeros(4))


def test_pooling_ignores_padding_values():
    hidden = torch.tensor([[[1.0], [2.0], [100.0]], [[-100.0], [3.0], [4.0]]])
    right = torch.tensor([[1, 1, 0], [0, 1, 1]])
    assert POOLING.get("max")(hidden, right).flatten().tolist() == [2.0, 4.0]
    assert POOLING.get("min")(hidden, right).flatten().tolist() == [1.0, 3.0]
    assert POOLING.get("mean")(hidden, right).flatten().tolist() == [1.5, 3.5]
    assert POOLING.get("last")(hidden, right).flatten().tolist() == [2.0, 4.0]  # right and left padding
    assert POOLING.get("cls")(hidden, right).flatten().tolist() == [1.0, -100.0]


@pytest.mark.parametrize("head", HEADS.names())
def test_heads_are_named_like_hf(make_config, head):
    model = TextbenchForSequenceClassification(make_config(classifier_head=head, num_labels=5))
    assert model.classifier.out_proj.out_features == 5
    assert hasattr(model.classifier, "dense") == (head != "none")


def test_performer_redraw_counts_training_calls(make_config):
    config = make_config(attention_type="performer", performer_redraw_interval=2)
    model = TextbenchForSequenceClassification(config)
    att = model.textbench.layers[0].attention
    assert isinstance(att, PerformerAttention)
    ids = torch.randint(1, 100, (2, 6))
    first = att.projection.clone()
    model.eval()
    model(ids)
    assert int(att.calls) == 0
    model.train()
    model(ids)
    model(ids)
    assert torch.equal(att.projection, first) and int(att.calls) == 2
    model(ids)  # third training call: redraw
    assert not torch.equal(att.projection, first) and int(att.calls) == 1
    assert {"textbench.layers.0.attention.projection", "textbench.layers.0.attention.calls"} <= set(
        model.state_dict()
    )


def test_performer_redraw_never_when_zero(make_config):
    model = TextbenchForSequenceClassification(
        make_config(attention_type="performer", performer_redraw_interval=0)
    ).train()
    att = model.textbench.layers[0].attention
    first = att.projection.clone()
    for _ in range(3):
        model(torch.randint(1, 100, (2, 6)))
    assert torch.equal(att.projection, first)


def test_performer_orthogonal_blocks(make_config):
    att = PerformerAttention(make_config(attention_type="performer", performer_num_features=16))
    rows = att.projection[:8] / att.projection[:8].norm(dim=1, keepdim=True)  # first d-block
    torch.testing.assert_close(rows @ rows.T, torch.eye(8), atol=1e-5, rtol=0)


def test_count_parameters_classifier(make_config):
    model = TextbenchForSequenceClassification(make_config())
    counts = count_parameters(model)
    assert counts["total"] == sum(p.numel() for p in model.parameters())
    assert counts["head"] == sum(p.numel() for p in model.classifier.parameters())
    assert counts["embeddings"] == sum(p.numel() for p in model.textbench.embeddings.parameters())
    assert counts["embeddings"] + counts["body"] + counts["head"] == counts["total"]
    for p in model.textbench.parameters():
        p.requires_grad_(False)
    assert count_parameters(model)["trainable"] == counts["head"]


def test_count_parameters_counts_tied_weights_once(make_config):
    tied = count_parameters(TextbenchForMaskedLM(make_config(tie_word_embeddings=True)))
    untied = count_parameters(TextbenchForMaskedLM(make_config(tie_word_embeddings=False)))
    assert untied["total"] - tied["total"] == 100 * 32
    assert untied["head"] - tied["head"] == 100 * 32
    assert tied["embeddings"] == untied["embeddings"]
