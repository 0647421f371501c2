"""Length-grouped training batches whose order is a function of (seed, epoch) only.

transformers' ``LengthGroupedSampler`` draws each epoch's order from the global RNG. A run resumed
mid-epoch restores the RNG state saved with the checkpoint (mid-epoch), not the one the epoch began
with, so it skips the right number of batches of a different order: some texts are seen twice that
epoch and others not at all. Seeding a generator with ``seed + epoch`` in ``set_epoch`` (which the
Trainer, through accelerate, calls at every epoch start, resumed or not) makes the replay exact.
"""

from __future__ import annotations

from collections.abc import Iterator

import torch
from transformers.trainer_pt_utils import LengthGroupedSampler


class EpochSeededLengthGroupedSampler(LengthGroupedSampler):
    """``LengthGroupedSampler`` whose epoch ``e`` order comes from a generator seeded ``seed + e``."""

    def __init__(self, batch_size: int, lengths: list[int], seed: int) -> None:
        super().__init__(batch_size, lengths=lengths)
        self.seed = seed
        self.set_epoch(0)

    @classmethod
    def like(cls, sampler: LengthGroupedSampler, seed: int) -> "EpochSeededLengthGroupedSampler":
        return cls(sampler.batch_size, list(sampler.lengths), seed)

    def set_epoch(self, epoch: int) -> None:
        self.epoch = int(epoch)
        self.generator = torch.Generator().manual_seed(self.seed + self.epoch)

    def __iter__(self) -> Iterator[int]:
        self.set_epoch(self.epoch)  # the same order however often an epoch's iterator is rebuilt
        return super().__iter__()
