"""Mask-aware pooling of token states into one vector per sequence.

Every function maps ``hidden (B, T, D)`` and a key mask ``(B, T)`` (1 = token,
0 = padding, or None) to ``(B, D)``. Padding never enters a mean nor wins a
max/min; a row with no real token pools to zeros (never NaN/inf).
"""

from __future__ import annotations

from typing import Callable

import torch

from textbench.utils.registry import Registry

PoolFn = Callable[[torch.Tensor, "torch.Tensor | None"], torch.Tensor]
POOLING: Registry[PoolFn] = Registry("pooling")


def _zero_empty_rows(pooled: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return pooled.masked_fill(~mask.any(dim=1, keepdim=True), 0.0)


@POOLING.register("cls")
def cls_pool(hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """First token (BERT's [CLS])."""
    return hidden[:, 0]


@POOLING.register("mean")
def mean_pool(hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    if mask is None:
        return hidden.mean(dim=1)
    weights = mask.to(hidden.dtype).unsqueeze(-1)  # (B, T, 1)
    total = (hidden * weights).sum(dim=1)  # (B, D)
    return total / weights.sum(dim=1).clamp_min(1.0)


def _extreme(hidden: torch.Tensor, mask: torch.Tensor | None, largest: bool) -> torch.Tensor:
    if mask is None:
        return hidden.amax(dim=1) if largest else hidden.amin(dim=1)
    mask = mask.bool()
    info = torch.finfo(hidden.dtype)
    fill = info.min if largest else info.max
    masked = hidden.masked_fill(~mask.unsqueeze(-1), fill)  # (B, T, D)
    pooled = masked.amax(dim=1) if largest else masked.amin(dim=1)
    return _zero_empty_rows(pooled, mask)


@POOLING.register("max")
def max_pool(hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return _extreme(hidden, mask, largest=True)


@POOLING.register("min")
def min_pool(hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return _extreme(hidden, mask, largest=False)


@POOLING.register("last")
def last_pool(hidden: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    """Last real token; works for left and right padding."""
    if mask is None:
        return hidden[:, -1]
    mask = mask.bool()
    positions = torch.arange(hidden.shape[1], device=hidden.device)
    last = (positions * mask).argmax(dim=1)  # (B,)
    pooled = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]  # (B, D)
    return _zero_empty_rows(pooled, mask)
