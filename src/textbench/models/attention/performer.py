"""Performer attention (FAVOR+, Choromanski et al. 2021): linear-time softmax approximation.

Queries and keys go through a random feature map ``phi`` so that
``softmax(q k^T) v`` becomes ``phi(q) (phi(k)^T v)``, normalised by
``phi(q) sum_j phi(k_j)``. Kernels: ``exp`` (positive random features for the
softmax kernel), ``relu`` and ``elu`` (+1) generalised kernels.

Padding: masked keys have their features and values zeroed, so they enter
neither numerator nor normaliser. Stabilisation subtracts the max exponent
(per query row; over real keys for keys); ``performer_eps`` is added to the
normaliser of the *unstabilised* features, so stabilisation never changes the
result and padding invariance / causality stay exact. The projection matrix is
a saved buffer; training redraws it every ``performer_redraw_interval`` forward
calls (counted in a saved buffer; the model calls `maybe_redraw`).
Attention-prob dropout does not apply (there are no explicit probabilities).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from textbench.models.attention.base import Attention, PrefixKV
from textbench.models.positions import Rope, apply_rope

if TYPE_CHECKING:
    from textbench.models.configuration import TextbenchConfig

CAUSAL_CHUNK = 64  # block size of the chunked prefix-sum (causal) variant
_MAX_EXP = 80.0  # clamp for exp() of stabiliser shifts (float32 overflows near 88)


def random_projection(
    num_features: int, dim: int, *, orthogonal: bool, device: torch.device | None = None
) -> torch.Tensor:
    """Gaussian (m, d) matrix; orthogonal rows per d-block via QR, rescaled to Gaussian norms."""
    if not orthogonal:
        return torch.randn(num_features, dim, device=device)
    blocks = math.ceil(num_features / dim)
    q, r = torch.linalg.qr(torch.randn(blocks, dim, dim, device=device))  # (nb, d, d)
    q = q * torch.diagonal(r, dim1=-2, dim2=-1).sign().unsqueeze(-2)  # sign fix: Haar-uniform
    rows = q.transpose(1, 2).reshape(blocks * dim, dim)[:num_features]  # (m, d)
    norms = torch.randn(num_features, dim, device=device).norm(dim=1, keepdim=True)
    return rows * norms


class PerformerAttention(Attention):
    """FAVOR+ attention with q/k/v/out projections named like `mha` (same LoRA targets)."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config)
        D, A, bias = config.hidden_size, self.attention_size, config.use_bias
        self.q_proj = nn.Linear(D, A, bias=bias)
        self.k_proj = nn.Linear(D, A, bias=bias)
        self.v_proj = nn.Linear(D, A, bias=bias)
        self.out_proj = nn.Linear(A, D, bias=bias)
        self.kernel = config.performer_kernel
        self.orthogonal = config.performer_orthogonal
        self.eps = config.performer_eps
        self.stabilize = config.performer_stabilize
        self.redraw_interval = config.performer_redraw_interval
        self.num_features = config.num_features
        self.register_buffer("projection", torch.empty(self.num_features, self.head_size))
        self.register_buffer("calls", torch.zeros((), dtype=torch.long))
        if not self.projection.is_meta:  # from_pretrained builds on meta, then loads
            self.projection.copy_(self.reset_projection())

    def reset_projection(self) -> torch.Tensor:
        """A fresh random projection (m, hs) on the buffer's device."""
        return random_projection(
            self.num_features, self.head_size, orthogonal=self.orthogonal,
            device=self.projection.device,
        ).to(self.projection.dtype)

    @torch.no_grad()
    def maybe_redraw(self) -> None:
        """Count one training call; redraw the features every ``redraw_interval`` calls."""
        if not self.redraw_interval:
            return
        if int(self.calls) >= self.redraw_interval:
            self.projection = self.reset_projection()  # new tensor: earlier graphs keep theirs
            self.calls.zero_()
        self.calls += 1

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        rope: Rope | None = None,
        past_key_value: PrefixKV | None = None,
    ) -> torch.Tensor:
        self.reject_prefix(past_key_value, "performer")
        q = self.split_heads(self.q_proj(hidden_states))  # (B, H, T, hs)
        k = self.split_heads(self.k_proj(hidden_states))
        v = self.split_heads(self.v_proj(hidden_states))
        if rope is not None:
            q, k = apply_rope(q, rope), apply_rope(k, rope)
        key_mask = None if attention_mask is None else attention_mask.bool()[:, None, :, None]
        qf, q_shift = self.features(q, query=True)  # (B, H, T, m), (B, H, T, 1)
        kf, k_shift = self.features(k, query=False, key_mask=key_mask)  # shift (B, H, 1, 1)
        if key_mask is not None:
            kf = kf.masked_fill(~key_mask, 0.0)  # padded keys: no features ...
            v = v.masked_fill(~key_mask, 0.0)  # ... and no values
        num, den = (causal_linear_attention if self.causal else linear_attention)(qf, kf, v)
        eps = self.eps
        if q_shift is not None:  # eps in units of the unstabilised features
            eps = self.eps * torch.exp(-(q_shift + k_shift).clamp(-_MAX_EXP, _MAX_EXP))
        out = num / (den + eps)  # (B, H, T, hs)
        return self.out_proj(self.merge_heads(out))

    def features(
        self, x: torch.Tensor, *, query: bool, key_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Random features phi(x) (B, H, T, m) and the stabiliser shift that was subtracted."""
        x = x * x.shape[-1] ** -0.25
        proj = x @ self.projection.to(x.dtype).T  # (B, H, T, m)
        if self.kernel == "relu":
            return F.relu(proj), None
        if self.kernel == "elu":
            return F.elu(proj) + 1.0, None
        logits = proj - 0.5 * x.pow(2).sum(dim=-1, keepdim=True)  # (B, H, T, m)
        shift = None
        if self.stabilize:
            shift = query_shift(logits) if query else key_shift(logits, key_mask)
            logits = logits - shift
        if key_mask is not None:  # exp(-inf) = 0: no overflow (or NaN grads) from padding
            logits = logits.masked_fill(~key_mask, float("-inf"))
        return logits.exp() * self.num_features**-0.5, shift


def query_shift(logits: torch.Tensor) -> torch.Tensor:
    """Max exponent per query row (B, H, T, 1)."""
    return logits.detach().amax(dim=-1, keepdim=True)


def key_shift(logits: torch.Tensor, key_mask: torch.Tensor | None) -> torch.Tensor:
    """Max exponent over all real keys (B, H, 1, 1); padding never sets it."""
    logits = logits.detach()
    if key_mask is not None:
        logits = logits.masked_fill(~key_mask, float("-inf"))
    shift = logits.amax(dim=(-2, -1), keepdim=True)
    return torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))


def linear_attention(
    qf: torch.Tensor, kf: torch.Tensor, v: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Bidirectional: numerator (B, H, T, hs) and normaliser (B, H, T, 1)."""
    kv = kf.transpose(-1, -2) @ v  # (B, H, m, hs)
    num = qf @ kv  # (B, H, T, hs)
    den = qf @ kf.sum(dim=2).unsqueeze(-1)  # (B, H, T, 1)
    return num, den


def causal_linear_attention(
    qf: torch.Tensor, kf: torch.Tensor, v: torch.Tensor, chunk: int = CAUSAL_CHUNK
) -> tuple[torch.Tensor, torch.Tensor]:
    """Causal prefix sums, blockwise: exact masked products inside a block, cumsum of
    ``phi(k)^T v`` states across blocks (linear in T, no (T, m, hs) tensor)."""
    B, H, T, m = qf.shape
    C = min(chunk, T)
    pad = -T % C
    if pad:  # zero keys/values add nothing; padded queries are dropped below
        qf, kf, v = (F.pad(t, (0, 0, 0, pad)) for t in (qf, kf, v))
    N = (T + pad) // C
    qc = qf.view(B, H, N, C, m)
    kc = kf.view(B, H, N, C, m)
    vc = v.view(B, H, N, C, v.shape[-1])
    kv = kc.transpose(-1, -2) @ vc  # (B, H, N, m, hs)
    ks = kc.sum(dim=3)  # (B, H, N, m)
    kv_before = kv.cumsum(dim=2) - kv  # states of earlier blocks
    ks_before = ks.cumsum(dim=2) - ks
    scores = (qc @ kc.transpose(-1, -2)).tril()  # (B, H, N, C, C), j <= i inside the block
    num = qc @ kv_before + scores @ vc  # (B, H, N, C, hs)
    den = (qc @ ks_before.unsqueeze(-1)) + scores.sum(dim=-1, keepdim=True)  # (B, H, N, C, 1)
    num = num.reshape(B, H, N * C, -1)[:, :, :T]
    den = den.reshape(B, H, N * C, 1)[:, :, :T]
    return num, den
