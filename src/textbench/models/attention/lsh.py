"""LSH attention (Reformer, Kitaev et al. 2020).

Queries and keys share one projection (``qk_proj``; keys are the unit-norm
queries), so LoRA targets are ``qk_proj``/``v_proj``/``out_proj`` here. Each of
``lsh_num_hashes`` rounds hashes vectors by random rotations (a saved buffer,
fixed after init, so eval is deterministic), sorts positions by (bucket,
position), cuts the sorted order into chunks of ``lsh_bucket_size`` and attends
within a chunk and the chunk before it. Rounds are combined with logsumexp
weights. A token attends to itself only when nothing else is available.

Any length works: the sequence is padded to a multiple of the chunk size.
Padding (internal or from ``attention_mask``) hashes to an extra last bucket,
so it sorts after every real token and never changes which real tokens share
a chunk; padded keys are masked. The first chunk has no predecessor (no
wrap-around). RoPE, when configured, rotates the shared qk before hashing.

Decoders (causal): keys after the query are masked, and chunks are aligned per
bucket (each bucket starts a new chunk), so the keys a token can see depend
only on earlier tokens: exactly causal. This implies attention never crosses
buckets in decoders, whatever ``lsh_mask_across_buckets`` says.
"""

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


class LSHAttention(Attention):
    """Reformer LSH self-attention with a shared query/key projection."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config)
        D, A, bias = config.hidden_size, self.attention_size, config.use_bias
        self.qk_proj = nn.Linear(D, A, bias=bias)
        self.v_proj = nn.Linear(D, A, bias=bias)
        self.out_proj = nn.Linear(A, D, bias=bias)
        self.num_hashes = config.lsh_num_hashes
        self.chunk = config.lsh_bucket_size
        self.num_buckets = config.num_buckets
        self.mask_across_buckets = config.lsh_mask_across_buckets
        self.attend_to_neighbors = config.lsh_attend_to_neighbors
        self.allow_self = config.lsh_allow_self_attention
        rotations = (self.num_heads, self.head_size, self.num_hashes, max(1, self.num_buckets // 2))
        self.register_buffer("rotations", torch.empty(rotations))
        if not self.rotations.is_meta:  # from_pretrained builds on meta, then loads
            self.rotations.normal_()

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        rope: Rope | None = None,
        past_key_value: PrefixKV | None = None,
    ) -> torch.Tensor:
        self.reject_prefix(past_key_value, "lsh")
        B, T, _ = hidden_states.shape
        qk = self.split_heads(self.qk_proj(hidden_states))  # (B, H, T, hs)
        v = self.split_heads(self.v_proj(hidden_states))
        if rope is not None:
            qk = apply_rope(qk, rope)
        valid = (
            torch.ones(B, T, dtype=torch.bool, device=qk.device)
            if attention_mask is None else attention_mask.bool()
        )
        pad = -T % self.chunk
        if pad:
            qk, v = F.pad(qk, (0, 0, 0, pad)), F.pad(v, (0, 0, 0, pad))
            valid = F.pad(valid, (0, pad), value=False)
        out = self._attend(qk, v, valid)[:, :, :T]  # (B, H, T, hs)
        return self.out_proj(self.merge_heads(out))

    def hash(self, qk: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        """Bucket ids (B, H, n, T); padding gets the extra bucket ``num_buckets``."""
        B, H, T, _ = qk.shape
        if self.num_buckets == 1:
            buckets = torch.zeros(B, H, self.num_hashes, T, dtype=torch.long, device=qk.device)
        else:
            rotated = torch.einsum("bhtd,hdnr->bhntr", qk, self.rotations.to(qk.dtype))
            buckets = torch.cat([rotated, -rotated], dim=-1).argmax(dim=-1)  # (B, H, n, T)
        return buckets.masked_fill(~valid[:, None, None, :], self.num_buckets)

    def _attend(self, qk: torch.Tensor, v: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        B, H, T, hs = qk.shape
        n, C = self.num_hashes, self.chunk
        buckets = self.hash(qk.detach(), valid)  # (B, H, n, T)
        positions = torch.arange(T, device=qk.device)
        order = (buckets * T + positions).argsort(dim=-1)  # (B, H, n, T): sorted -> original
        undo = order.argsort(dim=-1)
        sorted_buckets = buckets.gather(3, order)
        slots, L = self._slots(sorted_buckets) if self.causal else (None, T)
        N = L // C

        def chunks(x: torch.Tensor, fill: float | bool = 0) -> torch.Tensor:
            """(B, H, T, d) or (B, H, n, T, d) in original order -> sorted chunks (B, H, n, N, C, d)."""
            if x.dim() == 4:
                x = x[:, :, None].expand(-1, -1, n, -1, -1)
            x = x.gather(3, order[..., None].expand(-1, -1, -1, -1, x.shape[-1]))
            if slots is not None:  # spread into the bucket-aligned layout
                x = x.new_full((B, H, n, L, x.shape[-1]), fill).scatter(
                    3, slots[..., None].expand_as(x), x
                )
            return x.reshape(B, H, n, N, C, -1)

        q, vs = chunks(qk), chunks(v)  # (B, H, n, N, C, hs)
        k = F.normalize(q, dim=-1)  # keys are the unit-norm queries
        pos = chunks(positions.view(1, 1, T, 1).expand(B, H, T, 1), fill=-1)[..., 0]  # (B, H, n, N, C)
        bkt = chunks(buckets[..., None], fill=-1)[..., 0]
        ok = chunks(valid.view(B, 1, T, 1).expand(B, H, T, 1), fill=False)[..., 0]
        if self.attend_to_neighbors:
            k, vs = look_back(k), look_back(vs)  # (B, H, n, N, 2C, d)
            k_pos, k_bkt, k_ok = look_back(pos, -1), look_back(bkt, -1), look_back(ok, False)
        else:
            k_pos, k_bkt, k_ok = pos, bkt, ok

        scores = (q @ k.transpose(-1, -2)) * hs**-0.5  # (B, H, n, N, C, K)
        masked = ~k_ok[..., None, :]
        if self.causal:
            masked = masked | (k_pos[..., None, :] > pos[..., :, None])
        if self.mask_across_buckets or self.causal:
            masked = masked | (k_bkt[..., None, :] != bkt[..., :, None])
        if not self.allow_self:  # self only when nothing else is left
            own_value = -1e4 if scores.dtype == torch.float16 else -1e5
            scores = scores.masked_fill(k_pos[..., None, :] == pos[..., :, None], own_value)
        scores = scores.masked_fill(masked, torch.finfo(scores.dtype).min)
        lse = scores.logsumexp(dim=-1, keepdim=True)  # (B, H, n, N, C, 1)
        probs = torch.exp(scores - lse)
        if self.training and self.dropout_p > 0:
            probs = fast_dropout(probs, self.dropout_p)
        out = (probs @ vs).reshape(B, H, n, L, hs)
        lse = lse.reshape(B, H, n, L)
        if slots is not None:  # back from the aligned layout to sorted order
            out = out.gather(3, slots[..., None].expand(-1, -1, -1, -1, hs))
            lse = lse.gather(3, slots)
        out = out.gather(3, undo[..., None].expand(-1, -1, -1, -1, hs))  # (B, H, n, T, hs)
        lse = lse.gather(3, undo)  # (B, H, n, T)
        weights = torch.softmax(lse, dim=2).unsqueeze(-1)  # combine rounds
        return (out * weights).sum(dim=2)  # (B, H, T, hs)

    def _slots(self, sorted_buckets: torch.Tensor) -> tuple[torch.Tensor, int]:
        """Causal layout: every bucket starts a fresh chunk, so a token's chunk depends only
        on earlier tokens of its bucket. Returns the slot of each sorted token and the length."""
        C = self.chunk
        counts = torch.zeros(
            *sorted_buckets.shape[:-1], self.num_buckets + 1,
            dtype=torch.long, device=sorted_buckets.device,
        ).scatter_add_(-1, sorted_buckets, torch.ones_like(sorted_buckets))  # (B, H, n, nb+1)
        padded = (counts + C - 1) // C * C
        start = counts.cumsum(-1) - counts  # first sorted index of each bucket
        offset = padded.cumsum(-1) - padded  # first slot of each bucket
        rank = torch.arange(sorted_buckets.shape[-1], device=counts.device)
        slots = offset.gather(-1, sorted_buckets) + rank - start.gather(-1, sorted_buckets)
        return slots, int(padded.sum(-1).max())


def look_back(x: torch.Tensor, fill: bool | int = 0) -> torch.Tensor:
    """Prepend each chunk's predecessor: (B, H, n, N, C, ...) -> (B, H, n, N, 2C, ...).

    Chunk 0 has no predecessor (no wrap-around); its slot is filled with ``fill``."""
    prev = x.roll(1, dims=3)
    prev[:, :, :, 0] = fill
    return torch.cat([prev, x], dim=4)
