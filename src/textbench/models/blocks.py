"""Building blocks: token embeddings, feed-forward MLP, one transformer layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn
from transformers.activations import ACT2FN
from transformers.modeling_layers import GradientCheckpointingLayer

from textbench.models.attention import ATTENTION, PrefixKV
from textbench.models.dropout import Dropout
from textbench.models.positions import Rope

if TYPE_CHECKING:
    from textbench.models.configuration import TextbenchConfig


class TextbenchEmbeddings(nn.Module):
    """Token embeddings (+ additive positions when given) -> LayerNorm -> dropout."""

    def __init__(self, config: TextbenchConfig, positions: nn.Module | None) -> None:
        super().__init__()
        self.word_embeddings = nn.Embedding(
            config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id
        )
        self.position_embeddings = positions  # learned / sinusoidal; None for RoPE
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = Dropout(config.embedding_dropout_prob)

    def forward(
        self,
        input_ids: torch.Tensor | None,
        position_ids: torch.Tensor,
        inputs_embeds: torch.Tensor | None = None,
    ) -> torch.Tensor:
        x = self.word_embeddings(input_ids) if inputs_embeds is None else inputs_embeds  # (B, T, D)
        if self.position_embeddings is not None:
            x = x + self.position_embeddings(position_ids).to(x.dtype)
        return self.dropout(self.LayerNorm(x))


class TextbenchMLP(nn.Module):
    """fc1 -> activation -> fc2."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.fc1 = nn.Linear(config.hidden_size, config.intermediate_size, bias=config.use_bias)
        self.act = ACT2FN[config.hidden_act]
        self.fc2 = nn.Linear(config.intermediate_size, config.hidden_size, bias=config.use_bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))  # (B, T, D)


class TextbenchLayer(GradientCheckpointingLayer):
    """Attention + MLP sub-blocks with residuals, pre- or post-LayerNorm."""

    # the layer only reads prefix keys/values, so recomputation under checkpointing is safe
    _can_checkpoint_with_cache = True

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.pre_norm = config.norm_position == "pre"
        self.attention = ATTENTION.get(config.attention_type, setting="attention_type")(config)
        self.attention_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.mlp = TextbenchMLP(config)
        self.mlp_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = Dropout(config.hidden_dropout_prob)

    def forward(
        self,
        hidden_states: torch.Tensor,
        attention_mask: torch.Tensor | None = None,
        rope: Rope | None = None,
        prefix: PrefixKV | None = None,
    ) -> torch.Tensor:
        x = hidden_states  # (B, T, D)
        if self.pre_norm:
            x = x + self.dropout(self.attention(self.attention_norm(x), attention_mask, rope, prefix))
            return x + self.dropout(self.mlp(self.mlp_norm(x)))
        x = self.attention_norm(x + self.dropout(self.attention(x, attention_mask, rope, prefix)))
        return self.mlp_norm(x + self.dropout(self.mlp(x)))
