"""Dropout with cheaper random numbers on CPU (same distribution as ``nn.Dropout``).

``torch.bernoulli_`` on CPU draws one float per element from the Mersenne twister
without vectorisation, and on a 2-core machine that serial loop took about a quarter
of a small encoder's training step. Here each element gets 32 random bits from one
``random_()`` fill of int64 words (two elements per word) and is kept when those bits
fall at or above a threshold: a Bernoulli draw with keep probability
``1 - round(p * 2**32) / 2**32`` (within 2.4e-10 of ``1 - p``, finer than the 24-bit
float draws of ``bernoulli_``), and kept elements are scaled by the inverse of that
exact keep probability, so the expectation is unchanged. Measured on the 2-core
AVX-512 CPU (1 thread): mask + scale 1.5 ms against 3.2 ms for ``bernoulli_`` alone on a
(32, 64, 192) tensor. Masks come from torch's default generator, so seeded runs stay
reproducible and checkpoints that save the RNG state resume identically; the masks
differ from ``nn.Dropout``'s for the same seed (same distribution, different draws).
On other devices (CUDA has a fused dropout kernel) ``F.dropout`` is used.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

_TWO32 = 2**32


def keep_mask(shape: torch.Size | tuple[int, ...], p: float, dtype: torch.dtype,
              device: torch.device) -> torch.Tensor:
    """Float mask of ``shape``: ``1/keep`` with probability ``keep``, else 0 (``keep ~= 1 - p``)."""
    n = 1
    for s in shape:
        n *= s
    cut = round(p * _TWO32)  # elements whose 32 random bits (unsigned) are below ``cut`` drop
    bits = torch.empty((n + 1) // 2, dtype=torch.int64, device=device).random_(-(2**63), None)  # all 64 bits
    bits = bits.view(torch.int32)[:n].view(shape)  # uniform over the int32 range
    keep = bits >= (cut - 2**31)
    return keep.to(dtype).mul_(_TWO32 / (_TWO32 - cut))


def fast_dropout(x: torch.Tensor, p: float, training: bool = True) -> torch.Tensor:
    """``F.dropout(x, p, training)`` with cheaper random numbers on CPU."""
    if not training or p == 0.0:
        return x
    if x.device.type != "cpu" or p >= 1.0 or x.numel() == 0:
        return F.dropout(x, p, training)
    return x * keep_mask(x.shape, p, x.dtype, x.device)  # autograd keeps only the mask for backward


class Dropout(nn.Dropout):
    """``nn.Dropout`` (same name, settings and state) using `fast_dropout`."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.inplace:
            return super().forward(x)
        return fast_dropout(x, self.p, self.training)
