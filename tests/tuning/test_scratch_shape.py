"""From-scratch arms search depth and width within a parameter budget; larger shapes never train."""

from __future__ import annotations

from pathlib import Path

from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.tuning.config import TuneConfig
from textbench.tuning.scratch_shape import (DEPTH, FFN, WIDTH, parameter_budget, scale_feed_forward,
                                            scratch_parameters)
from textbench.tuning.search import ArmSearch, run_search, storage_url
from textbench.tuning.space import default_space, parse_space


def scratch_config(tmp_path: Path, tiny_csv: Path, width: int = 32, layers: int = 2):
    return load_run_config(None, [
        f"data.source={tiny_csv}", "data.text_column=review", "data.label_column=sentiment",
        "model.kind=scratch", "tokenizer.train=wordpiece", "tokenizer.vocab_size=300", "tokenizer.max_length=32",
        f"model.architecture={{hidden_size: {width}, num_hidden_layers: {layers}, num_attention_heads: 2,"
        f" intermediate_size: {width * 2}}}", "train.batch_size=8", "train.logging_steps=2", "train.threads=1",
        f"output.dir={tmp_path / 'runs'}", "output.name=base"])


def test_scratch_default_space_has_depth_and_width_and_keeps_the_ffn_ratio(tmp_path, tiny_csv):
    cfg = scratch_config(tmp_path, tiny_csv)
    space = default_space(cfg)
    assert (space[DEPTH].low, space[DEPTH].high) == (1, 4)
    assert space[WIDTH].choices == (16, 32, 64)
    assert scale_feed_forward(cfg, {WIDTH: 64})[FFN] == 128  # intermediate / hidden = 2, as configured
    assert FFN not in scale_feed_forward(cfg, {DEPTH: 3})
    lora = load_run_config(None, ["method.name=lora"])
    assert DEPTH not in default_space(lora) and parameter_budget(lora, None) is None


def test_parameters_are_counted_like_the_built_model(tmp_path, tiny_csv):
    from textbench.models import TextbenchForSequenceClassification
    from textbench.models.params import count_parameters
    from textbench.tuning.scratch_shape import architecture

    cfg = scratch_config(tmp_path, tiny_csv)
    real = count_parameters(TextbenchForSequenceClassification(architecture(cfg)))["total"]
    assert scratch_parameters(cfg) == real
    assert parameter_budget(cfg, None) == real and parameter_budget(cfg, 10) == 10
    assert scratch_parameters(scratch_config(tmp_path, tiny_csv, width=64)) > real


def test_shapes_over_the_budget_are_refused_untrained_and_not_counted(tmp_path, tiny_csv):
    cfg = scratch_config(tmp_path, tiny_csv, width=16)
    space = parse_space({WIDTH: [16, 64], "train.epochs": [1]}, "t")
    search = ArmSearch("scratch", cfg, space, tmp_path / "tuning" / "scratch", max_parameters=scratch_parameters(cfg))
    tune = TuneConfig(trials=3, startup_trials=3, sampler="random", pruner="none")
    summary = run_search(search, tune, storage_url(tune, tmp_path), prepared=prepare_data(cfg.data))
    states = [t["state"] for t in summary["trials"]]
    assert summary["counted_trials"] == 3 and states.count("complete") == 3
    refused = [t for t in summary["trials"] if t["state"] == "over budget"]
    assert refused and all(t["params"][WIDTH] == 64 for t in refused)  # random sampling hit the wide shape
    assert all(t["params"][WIDTH] == 16 for t in summary["trials"] if t["state"] == "complete")
    assert all(not (search.folder / f"trial-{t['number']}").exists() for t in refused)
    assert summary["budget"]["max_parameters"] == search.max_parameters
