"""Position information: learned / sinusoidal (added to embeddings) or RoPE (in attention).

Each registry entry is a module built from the config; ``forward(position_ids)``
returns either an additive embedding ``(B, T, D)`` or, for RoPE, a ``(cos, sin)``
pair of shape ``(B, 1, T, head_size)`` that attention applies to queries/keys.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import torch
from torch import nn

from textbench.utils.registry import Registry

if TYPE_CHECKING:
    from textbench.models.configuration import TextbenchConfig

POSITIONS: Registry[type[nn.Module]] = Registry("position embedding")

Rope = tuple[torch.Tensor, torch.Tensor]


class PositionEncoding(nn.Module):
    """Base: ``additive`` encodings are added to token embeddings, others go to attention."""

    additive: bool = True


@POSITIONS.register("learned")
class LearnedPositions(nn.Embedding):
    """Trainable table of ``max_position_embeddings`` vectors (BERT); ``forward(position_ids)``."""

    additive = True

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config.max_position_embeddings, config.hidden_size)


@POSITIONS.register("sinusoidal")
class SinusoidalPositions(PositionEncoding):
    """Fixed sin/cos encodings (Vaswani et al.); nothing is trained or saved.

    Scaled to the token embeddings' initial scale (rms = ``initializer_range``): at unit
    amplitude they would drown the 0.02-scale token embeddings after the embedding
    LayerNorm, and such a model does not learn (measured: majority-class F1 after 3 epochs).
    """

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.dim = config.hidden_size
        self.scale = config.initializer_range * math.sqrt(2.0)  # rms of sin/cos is 1/sqrt(2)

    def forward(self, position_ids: torch.Tensor) -> torch.Tensor:
        half = self.dim // 2
        freq = torch.exp(
            torch.arange(half, device=position_ids.device, dtype=torch.float32)
            * (-math.log(10000.0) / max(half, 1))
        )
        angles = position_ids.float()[..., None] * freq  # (B, T, D/2)
        out = torch.cat([angles.sin(), angles.cos()], dim=-1)
        if out.shape[-1] < self.dim:  # odd hidden size
            out = nn.functional.pad(out, (0, self.dim - out.shape[-1]))
        return out * self.scale  # (B, T, D)


@POSITIONS.register("rope")
class RotaryPositions(PositionEncoding):
    """Rotary embeddings (Su et al.): ``rope_theta`` base, positions divided by ``rope_scaling_factor``."""

    additive = False

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.head_size = config.head_size
        self.theta = config.rope_theta
        self.scale = config.rope_scaling_factor

    def forward(self, position_ids: torch.Tensor) -> Rope:
        inv_freq = 1.0 / self.theta ** (
            torch.arange(0, self.head_size, 2, device=position_ids.device, dtype=torch.float32)
            / self.head_size
        )
        angles = (position_ids.float() / self.scale)[..., None] * inv_freq  # (B, T, hs/2)
        angles = torch.cat([angles, angles], dim=-1)[:, None]  # (B, 1, T, hs)
        return angles.cos(), angles.sin()


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat([-x2, x1], dim=-1)


def apply_rope(x: torch.Tensor, rope: Rope) -> torch.Tensor:
    """Rotate ``x`` (B, H, T, hs) by the angles in ``rope`` (B, 1, T, hs)."""
    cos, sin = rope
    return x * cos.to(x.dtype) + rotate_half(x) * sin.to(x.dtype)
