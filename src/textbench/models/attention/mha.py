"""Multi-head softmax attention on `scaled_dot_product_attention` (fused kernels)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from textbench.models.dropout import fast_dropout
from textbench.models.attention.base import Attention, PrefixKV
from textbench.models.positions import Rope, apply_rope

if TYPE_CHECKING:
    from textbench.models.configuration import TextbenchConfig


class MultiHeadAttention(Attention):
    """Standard attention; accepts PEFT prefix keys/values (prepended to the real keys)."""

    supports_prefix = True

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config)
        D, A, bias = config.hidden_size, self.attention_size, config.use_bias
        self.q_proj = nn.Linear(D, A, bias=bias)
        self.k_proj = nn.Linear(D, A, bias=bias)
        self.v_proj = nn.Linear(D, A, bias=bias)
        self.out_proj = nn.Linear(A, D, bias=bias)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        rope: Rope | None = None,
        past_key_value: PrefixKV | None = None,
    ) -> torch.Tensor:
        q = self.split_heads(self.q_proj(hidden_states))  # (B, H, T, hs)
        k = self.split_heads(self.k_proj(hidden_states))
        v = self.split_heads(self.v_proj(hidden_states))
        if rope is not None:
            q, k = apply_rope(q, rope), apply_rope(k, rope)
        if past_key_value is not None:
            pk, pv = past_key_value  # (B, H, P, hs)
            k = torch.cat([pk.to(k.dtype), k], dim=2)  # (B, H, P+T, hs)
            v = torch.cat([pv.to(v.dtype), v], dim=2)
        attn_mask, is_causal = sdpa_mask(
            attention_mask, q.shape[2], k.shape[2], self.causal, q.device
        )
        if self.training and self.dropout_p > 0.0 and q.device.type == "cpu":
            out = attention_with_dropout(q, k, v, attn_mask, is_causal, self.dropout_p)
        else:
            out = F.scaled_dot_product_attention(
                q, k, v,
                attn_mask=attn_mask,
                dropout_p=self.dropout_p if self.training else 0.0,
                is_causal=is_causal,
            )  # (B, H, T, hs)
        return self.out_proj(self.merge_heads(out))


def attention_with_dropout(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, attn_mask: torch.Tensor | None, is_causal: bool,
    dropout_p: float,
) -> torch.Tensor:
    """Softmax attention with dropout on the probabilities: SDPA's math path, leaner.

    On CPU, SDPA's fused kernels do not take dropout, so training falls back to its
    math path (which also scales queries and keys separately and checks for
    fully-masked rows); this computes the same with one scaling, an in-place mask and
    `fast_dropout`. ``attn_mask`` (from `sdpa_mask`) never leaves a row empty.
    """
    T, S = q.shape[-2], k.shape[-2]
    scores = torch.matmul(q * q.shape[-1] ** -0.5, k.transpose(-1, -2))  # (B, H, T, S)
    if is_causal:
        attn_mask = torch.ones(T, S, dtype=torch.bool, device=q.device).tril(diagonal=S - T)
    if attn_mask is not None:
        scores = scores.masked_fill_(~attn_mask, float("-inf"))
    probs = fast_dropout(torch.softmax(scores, dim=-1), dropout_p)
    return torch.matmul(probs.to(v.dtype), v)  # (B, H, T, hs)


def sdpa_mask(
    key_mask: torch.Tensor | None, T: int, S: int, causal: bool, device: torch.device
) -> tuple[torch.Tensor | None, bool]:
    """Boolean mask (True = may attend) for T queries over S keys, the last T being the queries.

    No padding keeps the fused paths (``None`` / ``is_causal=True``). Every query
    row keeps at least one key (itself, or all keys for an all-padding row), so
    padded positions never produce NaN.
    """
    if key_mask is None:
        if not causal:
            return None, False
        if S == T:
            return None, True
    if not causal:
        key_mask = key_mask.bool()
        key_mask = key_mask | ~key_mask.any(dim=1, keepdim=True)  # all-padding rows: attend all
        return key_mask[:, None, None, :], False  # (B, 1, 1, S)
    allowed = torch.ones(T, S, dtype=torch.bool, device=device).tril(diagonal=S - T)  # (T, S)
    if key_mask is not None:
        allowed = allowed & key_mask.bool()[:, None, None, :]  # (B, 1, T, S)
        own = torch.zeros(T, S, dtype=torch.bool, device=device)
        own[:, S - T:] = torch.eye(T, dtype=torch.bool, device=device)
        allowed = allowed | own  # a query may always see itself
    return allowed, False
