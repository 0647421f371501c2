"""Shared shape helpers and the contract every attention kind follows.

``forward(hidden_states (B, T, D), attention_mask (B, S) bool or None,
rope (cos, sin) or None, past_key_value (k, v) or None) -> (B, T, D)``.
``attention_mask`` marks real keys (True) against padding (False); it is None
when the batch has no padding. With a prefix (PEFT prefix tuning) of P
positions, ``S = P + T`` and the mask covers the prefix first.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from textbench.errors import ModelError
from textbench.models.positions import Rope

if TYPE_CHECKING:
    from textbench.models.configuration import TextbenchConfig

PrefixKV = tuple[torch.Tensor, torch.Tensor]


class Attention(nn.Module):
    """Base class: head bookkeeping, causal flag and attention-prob dropout rate."""

    supports_prefix: bool = False

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.num_heads = config.num_attention_heads
        self.head_size = config.head_size
        self.attention_size = config.attention_size
        self.causal = config.kind == "decoder"
        self.dropout_p = config.attention_probs_dropout_prob

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        rope: Rope | None = None,
        past_key_value: PrefixKV | None = None,
    ) -> torch.Tensor:
        raise NotImplementedError

    def split_heads(self, x: torch.Tensor) -> torch.Tensor:
        B, T, _ = x.shape
        return x.view(B, T, self.num_heads, self.head_size).transpose(1, 2)  # (B, H, T, hs)

    def merge_heads(self, x: torch.Tensor) -> torch.Tensor:
        B, _, T, _ = x.shape
        return x.transpose(1, 2).reshape(B, T, self.attention_size)  # (B, T, A)

    def reject_prefix(self, past_key_value: PrefixKV | None, name: str) -> None:
        if past_key_value is not None:
            raise ModelError(
                "prefix tuning (past_key_values) is only supported with attention_type=mha",
                hint=f"this model uses attention_type={name}",
            )
