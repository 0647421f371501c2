"""Padding never changes real positions; decoders never look ahead."""

from __future__ import annotations

import itertools

import pytest
import torch

from textbench.models import ATTENTION, POOLING, POSITIONS, TextbenchForSequenceClassification
from textbench.models.configuration import KINDS

CASES = list(itertools.product(ATTENTION.names(), POSITIONS.names(), KINDS))
LENGTHS = (9, 6)
PADDED = 14
PAD = 0


def _padded_batch(seqs: list[torch.Tensor], left: bool) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.full((len(seqs), PADDED), PAD)
    mask = torch.zeros(len(seqs), PADDED, dtype=torch.long)
    for i, s in enumerate(seqs):
        where = slice(PADDED - len(s), PADDED) if left else slice(0, len(s))
        ids[i, where] = s
        mask[i, where] = 1
    return ids, mask


@pytest.mark.parametrize("left", [False, True], ids=["right", "left"])
@pytest.mark.parametrize("attention,position,kind", CASES)
def test_padding_invariance(make_config, attention, position, kind, left):
    pooling = "last" if kind == "decoder" else "mean"
    config = make_config(
        attention_type=attention, position_embedding_type=position, kind=kind, pooling=pooling
    )
    model = TextbenchForSequenceClassification(config).eval()
    seqs = [torch.randint(1, 100, (n,)) for n in LENGTHS]
    ids, mask = _padded_batch(seqs, left)
    with torch.no_grad():
        padded = model(ids, attention_mask=mask, output_hidden_states=True)
        hidden = padded.hidden_states[-1]  # (B, PADDED, D)
        for i, s in enumerate(seqs):
            alone = model(s[None], output_hidden_states=True)  # no padding, no mask
            real = mask[i].bool()
            torch.testing.assert_close(hidden[i, real], alone.hidden_states[-1][0], atol=1e-5, rtol=1e-4)
            torch.testing.assert_close(padded.logits[i], alone.logits[0], atol=1e-5, rtol=1e-4)
            for name in POOLING.names():
                if name == "cls" and left:
                    continue  # the first slot is padding under left padding
                pool = POOLING.get(name)
                torch.testing.assert_close(
                    pool(hidden[i : i + 1], mask[i : i + 1]),
                    pool(alone.hidden_states[-1], None),
                    atol=1e-5, rtol=1e-4,
                )


@pytest.mark.parametrize(
    "attention,position", list(itertools.product(ATTENTION.names(), POSITIONS.names()))
)
def test_decoder_is_causal(make_config, attention, position):
    config = make_config(attention_type=attention, position_embedding_type=position, kind="decoder")
    model = TextbenchForSequenceClassification(config).eval()
    ids = torch.randint(1, 100, (2, 13))
    changed = ids.clone()
    changed[:, 7] = (changed[:, 7] + 1) % 99 + 1
    with torch.no_grad():
        a = model(ids, output_hidden_states=True).hidden_states[-1]
        b = model(changed, output_hidden_states=True).hidden_states[-1]
    torch.testing.assert_close(a[:, :7], b[:, :7], atol=1e-6, rtol=1e-5)
    assert not torch.allclose(a[:, 7], b[:, 7])


@pytest.mark.parametrize("attention", ATTENTION.names())
def test_encoder_is_bidirectional(make_config, attention):
    model = TextbenchForSequenceClassification(make_config(attention_type=attention)).eval()
    ids = torch.randint(1, 100, (1, 13))
    changed = ids.clone()
    changed[0, -1] = (changed[0, -1] + 1) % 99 + 1
    with torch.no_grad():
        a = model(ids, output_hidden_states=True).hidden_states[-1]
        b = model(changed, output_hidden_states=True).hidden_states[-1]
    assert not torch.allclose(a[0, 0], b[0, 0])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    "options",
    [{"lsh_attend_to_neighbors": False}, {"lsh_mask_across_buckets": True}, {"lsh_num_hashes": 1}],
    ids=["no-neighbors", "mask-buckets", "one-hash"],
)
def test_lsh_variants_padding_invariance(make_config, kind, options):
    config = make_config(attention_type="lsh", kind=kind, pooling="max", **options)
    model = TextbenchForSequenceClassification(config).eval()
    seqs = [torch.randint(1, 100, (n,)) for n in LENGTHS]
    ids, mask = _padded_batch(seqs, left=False)
    with torch.no_grad():
        padded = model(ids, attention_mask=mask).logits
        for i, s in enumerate(seqs):
            torch.testing.assert_close(padded[i], model(s[None]).logits[0], atol=1e-5, rtol=1e-4)
