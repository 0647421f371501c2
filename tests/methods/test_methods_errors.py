"""Bad method settings fail before training with one clear line."""

from __future__ import annotations

import pytest
import torch
from transformers import AutoModelForSequenceClassification, DistilBertConfig, DistilBertForSequenceClassification

from textbench.config import load_run_config
from textbench.methods import MethodConfig
from textbench.errors import ConfigError, ModelError, TextbenchError
from textbench.methods import apply_method


def one_line(err: pytest.ExceptionInfo) -> str:
    assert isinstance(err.value, TextbenchError)
    msg = err.value.one_line()
    assert "\n" not in str(err.value)
    return msg


def test_unknown_lora_target_names_it_and_lists_candidates(load_tiny):
    with pytest.raises(ConfigError) as err:
        apply_method(load_tiny("bert")[0], MethodConfig.of("lora", target_modules=["query", "q_proj"]))
    msg = one_line(err)
    assert "method.target_modules" in msg and "'q_proj'" in msg
    for candidate in ("query", "key", "value", "dense"):
        assert candidate in msg
    assert "classifier" not in msg.split("candidates:")[1]


def test_lora_target_that_peft_cannot_adapt(load_tiny):
    with pytest.raises(ConfigError, match="method.target_modules"):
        apply_method(load_tiny("bert")[0], MethodConfig.of("lora", target_modules=["LayerNorm"]))


def test_lora_target_override_for_decoders(load_tiny):
    model = apply_method(load_tiny("llama")[0], MethodConfig.of("lora", target_modules=["q_proj", "k_proj", "v_proj", "o_proj"]))
    adapted = {n.split(".lora_")[0].rsplit(".", 1)[-1] for n, _ in model.named_parameters() if "lora_A" in n}
    assert adapted == {"q_proj", "k_proj", "v_proj", "o_proj"}


def test_rank_zero_is_a_config_error():
    with pytest.raises(ConfigError, match="rank"):
        load_run_config(None, ["method.name=lora", "method.r=0"])


def test_freezing_more_layers_than_exist(load_tiny):
    with pytest.raises(ConfigError) as err:
        apply_method(load_tiny("bert")[0], MethodConfig.of("freeze", trainable_layers=5))
    msg = one_line(err)
    assert "method.trainable_layers" in msg and "5" in msg and "only 2" in msg


def test_prefix_on_a_model_without_past_key_values():
    torch.manual_seed(0)
    cfg = DistilBertConfig(vocab_size=50, dim=32, n_layers=2, n_heads=4, hidden_dim=64, num_labels=3,
                           max_position_embeddings=32)
    with pytest.raises(ModelError) as err:
        apply_method(DistilBertForSequenceClassification(cfg), MethodConfig(name="prefix"))
    msg = one_line(err)
    assert "distilbert cannot take a prefix" in msg and "transformers 5." in msg and "use lora" in msg


def test_prefix_on_a_model_that_takes_a_cache_but_ignores_it(load_tiny):
    """A forward that accepts `cache` and drops it would train the head alone; refused up front."""
    model = load_tiny("bert")[0]

    class IgnoresCache(type(model)):
        def forward(self, *args, cache=None, **kwargs):  # takes the cache, uses none of it
            return super().forward(*args, **kwargs)

    model.__class__ = IgnoresCache
    with pytest.raises(ModelError) as err:
        apply_method(model, MethodConfig(name="prefix"))
    assert "prefix tuning does not reach the attention of bert" in one_line(err)


def test_prefix_hidden_size_needs_projection(load_tiny):
    with pytest.raises(ConfigError, match="prefix_projection"):
        apply_method(load_tiny("bert")[0], MethodConfig.of("prefix", prefix_hidden_size=16))


def test_bitfit_on_a_model_without_biases(load_tiny):
    with pytest.raises(ModelError) as err:
        apply_method(load_tiny("llama")[0], MethodConfig(name="bitfit"))
    assert "no" in one_line(err) and "bias" in one_line(err)


def test_merge_adapter_only_for_lora(load_tiny):
    with pytest.raises(ConfigError, match="merge_adapter"):
        apply_method(load_tiny("bert")[0], MethodConfig.of("prefix", merge_adapter=True))


def test_decoder_without_pad_token_id(tiny_paths):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_paths["llama"], num_labels=3)
    assert model.config.pad_token_id is None
    with pytest.raises(ModelError, match="pad_token_id"):
        apply_method(model, MethodConfig(name="lora"))


def test_unknown_method_lists_known_ones(load_tiny):
    cfg = MethodConfig(name="full")
    cfg.name = "adapterdrop"  # type: ignore[assignment]  (the config loader refuses it first)
    with pytest.raises(ConfigError, match="known: adalora, bitfit, boft, dora, freeze, full, ia3, linear_probe, loha, lokr, lora, oft, peft, prefix, vera"):
        apply_method(load_tiny("bert")[0], cfg)
