"""Length-grouped batches: a resumed epoch replays the order the interrupted one had."""

from __future__ import annotations

import random

import datasets
import torch
from accelerate.data_loader import skip_first_batches
from torch import nn
from transformers import TrainingArguments
from transformers.trainer_pt_utils import LengthGroupedSampler

from textbench.training.sampler import EpochSeededLengthGroupedSampler
from textbench.training.trainer import TextbenchTrainer

ROWS = 300


class _Tiny(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Linear(1, 1)

    def forward(self, input_ids: torch.Tensor, idx: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"loss": self.w(input_ids.float().mean(1, keepdim=True)).sum()}  # (B, 1) -> ()


def _collate(rows: list[dict]) -> dict[str, torch.Tensor]:
    width = max(len(r["input_ids"]) for r in rows)
    ids = [r["input_ids"] + [0] * (width - len(r["input_ids"])) for r in rows]
    return {"input_ids": torch.tensor(ids), "idx": torch.tensor([r["idx"] for r in rows])}


def _trainer(tmp_path) -> TextbenchTrainer:
    rng = random.Random(0)
    ds = datasets.Dataset.from_dict({"input_ids": [[1] * rng.randint(1, 40) for _ in range(ROWS)],
                                     "idx": list(range(ROWS))})
    args = TrainingArguments(output_dir=str(tmp_path), per_device_train_batch_size=2, seed=7, data_seed=7,
                             train_sampling_strategy="group_by_length", use_cpu=True, report_to="none")
    return TextbenchTrainer(model=_Tiny(), args=args, train_dataset=ds, data_collator=_collate)


def _epoch(loader, epoch: int, skip: int = 0) -> list[list[int]]:
    """The batches (dataset indices) of one epoch as the Trainer's loop draws them, resumed after ``skip``."""
    if skip:
        loader = skip_first_batches(loader, skip)
    loader.set_epoch(epoch)
    return [b["idx"].tolist() for b in loader]


def test_resumed_epoch_replays_the_interrupted_order(tmp_path):
    trainer = _trainer(tmp_path)
    assert isinstance(trainer._get_train_sampler(), EpochSeededLengthGroupedSampler)
    torch.manual_seed(0)
    whole = _epoch(trainer.get_train_dataloader(), epoch=1)
    assert sorted(i for b in whole for i in b) == list(range(ROWS))
    torch.manual_seed(12345)  # a resumed run restores the RNG state of a mid-epoch checkpoint
    resumed = _epoch(_trainer(tmp_path).get_train_dataloader(), epoch=1, skip=40)
    assert resumed == whole[40:]
    assert _epoch(trainer.get_train_dataloader(), epoch=2) != whole  # still a new order each epoch


def test_transformers_sampler_alone_would_not_replay():
    """The failure the sampler fixes: the plain sampler's order follows the global RNG."""
    lengths = [random.Random(i).randint(1, 40) for i in range(ROWS)]
    plain = LengthGroupedSampler(2, lengths=lengths)
    torch.manual_seed(0)
    first = list(plain)
    torch.manual_seed(12345)
    assert list(plain) != first
    seeded = EpochSeededLengthGroupedSampler(2, lengths, seed=7)
    seeded.set_epoch(3)
    torch.manual_seed(0)
    a = list(seeded)
    torch.manual_seed(12345)
    assert list(seeded) == a
