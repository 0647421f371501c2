"""Each attention kind against attention computed by hand; RoPE is relative."""

from __future__ import annotations

import math

import pytest
import torch

from textbench.models.attention import LSHAttention, MultiHeadAttention, PerformerAttention
from textbench.models.attention.performer import causal_linear_attention, linear_attention
from textbench.models.positions import RotaryPositions, apply_rope

B, T, D, H = 2, 13, 32, 4
HS = D // H


def _softmax_attention(q, k, v, causal: bool, key_mask=None) -> torch.Tensor:
    """Plain softmax attention on (B, H, T, hs) tensors."""
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])  # (B, H, T, S)
    if causal:
        n = q.shape[2]
        scores = scores.masked_fill(torch.ones(n, n, dtype=torch.bool).triu(1), float("-inf"))
    if key_mask is not None:
        scores = scores.masked_fill(~key_mask[:, None, None, :], float("-inf"))
    return scores.softmax(dim=-1) @ v


def _split(x: torch.Tensor) -> torch.Tensor:
    return x.view(B, -1, H, HS).transpose(1, 2)


def _merge(x: torch.Tensor) -> torch.Tensor:
    return x.transpose(1, 2).reshape(B, -1, D)


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_mha_matches_softmax_attention(make_config, kind):
    att = MultiHeadAttention(make_config(kind=kind)).eval()
    x = torch.randn(B, T, D)
    mask = torch.ones(B, T, dtype=torch.bool)
    mask[1, 9:] = False
    q, k, v = (_split(p(x)) for p in (att.q_proj, att.k_proj, att.v_proj))
    expected = att.out_proj(_merge(_softmax_attention(q, k, v, kind == "decoder", mask)))
    got = att(x, attention_mask=mask)
    torch.testing.assert_close(got[0], expected[0], atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(got[1, :9], expected[1, :9], atol=1e-5, rtol=1e-4)  # real queries
    unmasked = att.out_proj(_merge(_softmax_attention(q, k, v, kind == "decoder")))
    torch.testing.assert_close(att(x), unmasked, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_performer_error_falls_with_features(make_config, kind):
    """Mean relative error vs exact softmax attention (3 seeds); < 0.1 at 4096 features."""
    errors = {}
    for m in (16, 256, 4096):
        per_seed = []
        for seed in range(3):
            torch.manual_seed(seed)
            att = PerformerAttention(make_config(kind=kind, performer_num_features=m)).eval()
            for lin in (att.q_proj, att.k_proj, att.v_proj):
                torch.nn.init.normal_(lin.weight, std=0.1)  # scores with std ~0.3
            x = torch.randn(B, 16, D)
            with torch.no_grad():
                q, k, v = (_split(p(x)) for p in (att.q_proj, att.k_proj, att.v_proj))
                exact = _softmax_attention(q, k, v, kind == "decoder")
                heads = _attend_heads(att, q, k, v)
                # the module's forward is this per-head output through out_proj
                torch.testing.assert_close(att(x), att.out_proj(_merge(heads)), atol=1e-5, rtol=1e-4)
            per_seed.append(((heads - exact).abs().mean() / exact.abs().mean()).item())
        errors[m] = sum(per_seed) / len(per_seed)
    assert errors[16] > errors[256] > errors[4096], errors
    assert errors[4096] < 0.1, errors


def _attend_heads(att: PerformerAttention, q, k, v) -> torch.Tensor:
    """The performer's per-head output (before out_proj), via its own feature maps."""
    qf, q_shift = att.features(q, query=True)
    kf, k_shift = att.features(k, query=False)
    num, den = (causal_linear_attention if att.causal else linear_attention)(qf, kf, v)
    return num / (den + att.eps * torch.exp(-(q_shift + k_shift)))


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_performer_prefix_sums_match_explicit_kernel_attention(make_config, kind):
    """Chunked causal / bidirectional linear attention equals the explicit (T x T) form."""
    att = PerformerAttention(make_config(kind=kind, max_position_embeddings=256)).eval()
    n = 150  # > one causal block, not a multiple of it
    q, k, v = torch.randn(3, 1, H, n, HS).unbind(0)
    qf, _ = att.features(q, query=True)
    kf, _ = att.features(k, query=False)
    num, den = (causal_linear_attention if att.causal else linear_attention)(qf, kf, v)
    weights = qf @ kf.transpose(-1, -2)  # (1, H, n, n)
    if att.causal:
        weights = weights.tril()
    torch.testing.assert_close(num, weights @ v, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(den, weights.sum(-1, keepdim=True), atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_lsh_single_bucket_single_chunk_is_full_attention(make_config, kind):
    config = make_config(
        kind=kind, attention_type="lsh", lsh_num_buckets=1, lsh_bucket_size=16,
        lsh_allow_self_attention=True, lsh_num_hashes=2,
    )
    att = LSHAttention(config).eval()
    x = torch.randn(B, T, D)
    qk, v = _split(att.qk_proj(x)), _split(att.v_proj(x))
    keys = torch.nn.functional.normalize(qk, dim=-1)
    expected = att.out_proj(_merge(_softmax_attention(qk, keys, v, kind == "decoder")))
    torch.testing.assert_close(att(x), expected, atol=1e-5, rtol=1e-4)


def test_lsh_self_masking(make_config):
    """Without self-attention, a token ignores its own key unless it has no other key."""
    config = make_config(kind="decoder", attention_type="lsh", lsh_num_buckets=1, lsh_bucket_size=16)
    att = LSHAttention(config).eval()
    x = torch.randn(B, T, D)
    qk, v = _split(att.qk_proj(x)), _split(att.v_proj(x))
    scores = qk @ torch.nn.functional.normalize(qk, dim=-1).transpose(-1, -2) / math.sqrt(HS)
    blocked = torch.ones(T, T, dtype=torch.bool).triu(0)
    blocked[0, 0] = False  # the first token only has itself
    expected = att.out_proj(_merge(scores.masked_fill(blocked, float("-inf")).softmax(-1) @ v))
    torch.testing.assert_close(att(x), expected, atol=1e-5, rtol=1e-4)


def test_lsh_eval_is_deterministic(make_config):
    att = LSHAttention(make_config(attention_type="lsh")).eval()
    x = torch.randn(B, T, D)
    torch.testing.assert_close(att(x), att(x), rtol=0, atol=0)


@pytest.mark.parametrize("scale", [1.0, 4.0])
def test_rope_scores_depend_only_on_offset(make_config, scale):
    rope = RotaryPositions(make_config(position_embedding_type="rope", rope_scaling_factor=scale))
    q, k = torch.randn(2, 1, 1, 1, HS).unbind(0)

    def score(i: int, j: int) -> torch.Tensor:
        cos, sin = rope(torch.tensor([[i, j]]))  # (1, 1, 2, hs)
        qi = apply_rope(q, (cos[:, :, :1], sin[:, :, :1]))
        kj = apply_rope(k, (cos[:, :, 1:], sin[:, :, 1:]))
        return (qi * kj).sum()

    for offset in (0, 3, -5):
        base = score(7, 7 + offset)
        for shift in (1, 10, 100):
            torch.testing.assert_close(score(7 + shift, 7 + offset + shift), base, atol=1e-4, rtol=1e-4)
    assert not torch.allclose(score(0, 1), score(0, 5))
