"""MLM pretraining lowers held-out loss; fine-tuning from it loads the body and trains a new head."""

from __future__ import annotations

import json

import pytest

from textbench.config import load_run_config
from textbench.errors import ConfigError, ModelError
from textbench.pretraining import load_pretrain_config
from textbench.runs.pretrain import pretrain_run
from textbench.runs.finetune import train_run

ARCH = "{hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, max_position_embeddings: 64}"


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    out = tmp_path_factory.mktemp("pre")
    cfg = load_pretrain_config(None, [
        f"model.architecture={ARCH}", "data.max_train_samples=600", "tokenizer.vocab_size=600",
        "tokenizer.max_length=48", "train.epochs=4", "train.learning_rate=2e-3", "train.batch_size=32",
        f"output.dir={out}", "output.name=mlm",
    ])
    return pretrain_run(cfg, quiet=True)


def test_mlm_lowers_heldout_loss(pretrained):
    m = pretrained.metrics
    assert m["objective"] == "masked-lm"
    assert m["heldout_loss"] < m["heldout_loss_before"] - 0.3
    d = pretrained.run_dir
    for f in ("config.yaml", "manifest.json", "metrics.csv", "pretrain_metrics.json", "model/config.json",
              "model/tokenizer.json", "learning_curves.png"):
        assert (d / f).is_file(), f
    assert json.loads((d / "manifest.json").read_text())["kind"] == "pretrain"


def test_finetune_from_pretraining_run(pretrained, tmp_path):
    cfg = load_run_config(None, [
        "model.kind=scratch", f"model.from_pretraining_run={pretrained.run_dir}",
        "model.architecture={pooling: mean, classifier_head: mlp}", "tokenizer.max_length=48",
        "data.max_train_samples=300", "data.max_eval_samples=60", "train.epochs=1", "train.learning_rate=1e-3",
        f"output.dir={tmp_path}", "output.name=ft",
    ])
    res = train_run(cfg, quiet=True)
    notes = json.loads((res.run_dir / "manifest.json").read_text())["notes"]
    assert any("loaded" in n for n in notes)
    assert any(n.startswith("new") and "classifier" in n for n in notes)
    assert any(n.startswith("dropped") and "lm_head" in n for n in notes)
    # the body really came from the pretraining run
    import torch
    from safetensors.torch import load_file

    pre = load_file(str(pretrained.run_dir / "model" / "model.safetensors"))
    key = next(k for k in pre if k.endswith("word_embeddings.weight"))
    from transformers import AutoModelForMaskedLM

    import textbench.models  # noqa: F401

    mlm = AutoModelForMaskedLM.from_pretrained(pretrained.run_dir / "model")
    assert torch.equal(mlm.state_dict()[key], pre[key])


@pytest.mark.parametrize("override, err, needle", [
    ("model.architecture={hidden_size: 64}", ConfigError, "hidden_size"),
    ("tokenizer.train=wordpiece", ConfigError, "pretraining run's tokenizer"),
])
def test_conflicting_settings(pretrained, tmp_path, override, err, needle):
    cfg = load_run_config(None, ["model.kind=scratch", f"model.from_pretraining_run={pretrained.run_dir}",
                                 override, f"output.dir={tmp_path}"])
    with pytest.raises(err, match=needle):
        train_run(cfg, quiet=True)
    assert not any(tmp_path.iterdir())


def test_missing_pretraining_run(tmp_path):
    cfg = load_run_config(None, ["model.kind=scratch", f"model.from_pretraining_run={tmp_path / 'nope'}",
                                 f"output.dir={tmp_path}"])
    with pytest.raises(ModelError, match="does not exist"):
        train_run(cfg, quiet=True)


def test_pretrain_config_strict(tmp_path):
    with pytest.raises(ConfigError, match="mlm.mlm_probability"):
        load_pretrain_config(None, ["mlm.mlm_probability=1.5"])
    with pytest.raises(ConfigError, match="mlm.bogus"):
        load_pretrain_config(None, ["mlm.bogus=1"])
    cfg = load_pretrain_config(None)
    assert cfg.tokenizer.train == "wordpiece" and cfg.model.kind == "scratch"
