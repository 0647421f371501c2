"""Gradient accumulation: the same loss scale as one big batch, for models whose forward takes **kwargs.

BERT's forward in transformers 5 takes ``**kwargs``, so a plain Trainer treats its (mean) loss
as a sum over ``num_items_in_batch`` and skips the accumulation division: the first logged loss
doubles with 2 accumulation steps. Ours must not.
"""

from __future__ import annotations

import json

from textbench.config import load_run_config
from textbench.runs.finetune import train_run


def _first_loss(tmp_path, tiny_csv, tiny_bert_dir, name: str, batch: int, accum: int) -> float:
    cfg = load_run_config(None, [
        f"data.source={tiny_csv}", "data.text_column=review", "data.label_column=sentiment",
        f"model.name_or_path={tiny_bert_dir}", "tokenizer.max_length=32", "train.max_steps=1",
        f"train.batch_size={batch}", f"train.gradient_accumulation_steps={accum}", "train.group_by_length=false",
        "train.logging_steps=1", "eval.reference_before_training=false",
        f"output.dir={tmp_path / 'runs'}", f"output.name={name}",
    ])
    res = train_run(cfg, quiet=True)
    log = json.loads((res.run_dir / "trainer_log.json").read_text())
    return next(e["loss"] for e in log if "loss" in e)


def test_accumulation_keeps_the_loss_scale(tmp_path, tiny_csv, tiny_bert_dir):
    one = _first_loss(tmp_path, tiny_csv, tiny_bert_dir, "b8", 8, 1)
    two = _first_loss(tmp_path, tiny_csv, tiny_bert_dir, "b4x2", 4, 2)
    # same 8 examples (dropout differs per micro-batch): close, not twice as large
    assert 0.8 < two / one < 1.25, (one, two)
