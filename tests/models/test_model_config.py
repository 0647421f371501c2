"""Bad settings fail early with a one-line ConfigError naming the setting."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoConfig

from textbench.errors import ConfigError
from textbench.models import TextbenchConfig, TextbenchForSequenceClassification, TextbenchModel

BAD = [
    ({"hidden_size": 30}, "hidden_size"),
    ({"attention_hidden_size": 30}, "attention_hidden_size"),
    ({"hidden_size": 36, "position_embedding_type": "rope"}, "rope"),
    ({"attention_type": "flash"}, "attention_type"),
    ({"position_embedding_type": "alibi"}, "position_embedding_type"),
    ({"pooling": "sum"}, "pooling"),
    ({"classifier_head": "xl"}, "classifier_head"),
    ({"kind": "seq2seq"}, "kind"),
    ({"norm_position": "middle"}, "norm_position"),
    ({"hidden_act": "swoosh"}, "hidden_act"),
    ({"performer_kernel": "cos"}, "performer_kernel"),
    ({"performer_num_features": 0}, "performer_num_features"),
    ({"performer_redraw_interval": -1}, "performer_redraw_interval"),
    ({"lsh_bucket_size": 0}, "lsh_bucket_size"),
    ({"lsh_bucket_size": 64}, "lsh_bucket_size"),  # > max_position_embeddings (32)
    ({"lsh_num_hashes": 0}, "lsh_num_hashes"),
    ({"lsh_num_buckets": 3}, "lsh_num_buckets"),
    ({"hidden_dropout_prob": 1.5}, "hidden_dropout_prob"),
    ({"classifier_dropout": -0.1}, "classifier_dropout"),
    ({"num_hidden_layers": 0}, "num_hidden_layers"),
    ({"vocab_size": "100"}, "vocab_size"),
    ({"rope_scaling_factor": 0.0}, "rope_scaling_factor"),
    ({"pad_token_id": 100}, "pad_token_id"),
]


@pytest.mark.parametrize("overrides,setting", BAD, ids=[s for _, s in BAD])
def test_bad_setting_raises_config_error(make_config, overrides, setting):
    with pytest.raises(ConfigError) as info:
        make_config(**overrides)
    message = info.value.one_line()
    assert setting in message
    assert "\n" not in message


def test_unknown_attention_lists_known_keys(make_config):
    with pytest.raises(ConfigError, match="known: lsh, mha, performer"):
        make_config(attention_type="flash")


def test_model_revalidates_a_mutated_config(make_config):
    config = make_config()
    config.pooling = "median"
    with pytest.raises(ConfigError, match="pooling"):
        TextbenchModel(config)


def test_defaults_are_valid_and_derived_sizes():
    config = TextbenchConfig()
    assert config.attention_size == config.hidden_size
    assert config.num_buckets % 2 == 0
    config = TextbenchConfig(hidden_size=32, attention_hidden_size=64, num_attention_heads=4)
    assert config.head_size == 16


def test_config_roundtrip(make_config, tmp_path):
    config = make_config(attention_type="lsh", kind="decoder", lsh_num_buckets=4, num_labels=3)
    config.save_pretrained(tmp_path)
    loaded = AutoConfig.from_pretrained(tmp_path)
    assert isinstance(loaded, TextbenchConfig)
    ignore = {"_name_or_path"}
    assert {k: v for k, v in loaded.to_dict().items() if k not in ignore} == {
        k: v for k, v in config.to_dict().items() if k not in ignore
    }
    assert loaded.num_labels == 3


def test_bucket_larger_than_sequence_runs(make_config):
    config = make_config(attention_type="lsh", lsh_bucket_size=16, pooling="mean")
    model = TextbenchForSequenceClassification(config).eval()
    out = model(torch.randint(1, 100, (2, 5)))
    assert torch.isfinite(out.logits).all()


def test_separate_attention_width(make_config):
    for attention in ("mha", "performer", "lsh"):
        config = make_config(attention_type=attention, attention_hidden_size=16)
        model = TextbenchForSequenceClassification(config)
        assert model.textbench.layers[0].attention.out_proj.in_features == 16
        model(torch.randint(1, 100, (2, 7))).logits.sum().backward()
