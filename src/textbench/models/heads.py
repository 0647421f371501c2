"""Classification heads: pooled vector ``(B, D)`` -> logits ``(B, num_labels)``.

The model stores the chosen head as ``classifier`` (PEFT keeps modules with that
name trainable). Inner names follow HF: ``dense`` and ``out_proj``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
from torch import nn

from textbench.utils.registry import Registry
from textbench.models.dropout import Dropout

if TYPE_CHECKING:
    from textbench.models.configuration import TextbenchConfig

HEADS: Registry[type[nn.Module]] = Registry("classifier head")


def head_dropout(config: TextbenchConfig) -> float:
    p = config.classifier_dropout
    return config.hidden_dropout_prob if p is None else p


@HEADS.register("bert")
class BertHead(nn.Module):
    """dense -> tanh -> dropout -> out_proj (BERT pooler + classifier)."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = Dropout(head_dropout(config))
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.out_proj(self.dropout(torch.tanh(self.dense(pooled))))


@HEADS.register("roberta")
class RobertaHead(nn.Module):
    """dropout -> dense -> tanh -> dropout -> out_proj (RoBERTa)."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.dropout = Dropout(head_dropout(config))
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        x = torch.tanh(self.dense(self.dropout(pooled)))
        return self.out_proj(self.dropout(x))


@HEADS.register("mlp")
class MLPHead(nn.Module):
    """dense -> GELU -> dropout -> out_proj."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = nn.GELU()
        self.dropout = Dropout(head_dropout(config))
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.out_proj(self.dropout(self.act(self.dense(pooled))))


@HEADS.register("none")
class LinearHead(nn.Module):
    """dropout -> out_proj (a linear probe)."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.dropout = Dropout(head_dropout(config))
        self.out_proj = nn.Linear(config.hidden_size, config.num_labels)

    def forward(self, pooled: torch.Tensor) -> torch.Tensor:
        return self.out_proj(self.dropout(pooled))
