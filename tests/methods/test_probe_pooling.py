"""probe_pooling: mean: the head reads the masked mean of the final token states, padding or not."""

from __future__ import annotations

import pytest
import torch

from textbench.errors import ConfigError
from textbench.methods import MethodConfig, apply_method

MEAN = MethodConfig.of("linear_probe", probe_pooling="mean")


def _head_input(model, enc) -> torch.Tensor:
    seen = []
    handle = model.classifier.register_forward_pre_hook(lambda m, args: seen.append(args[0]))
    with torch.no_grad():
        model(**enc)
    handle.remove()
    return seen[0]  # (B, h)


def test_the_head_reads_the_masked_mean_of_the_token_states(load_tiny):
    model, tok = load_tiny("bert")
    model = apply_method(model, MEAN).eval()
    assert model.config.textbench_probe_pooling == "mean"
    assert not any("pooler" in n for n, _ in model.named_parameters())  # the unused pooler is gone
    texts = ["short", "a much longer text with many more words in it"]
    enc = tok(texts, padding=True, return_tensors="pt")
    got = _head_input(model, enc)
    with torch.no_grad():
        states = model.bert(**enc).last_hidden_state  # (B, T, h)
    mask = enc["attention_mask"].unsqueeze(-1).float()
    torch.testing.assert_close(got, (states * mask).sum(1) / mask.sum(1))
    alone = _head_input(model, tok(texts[:1], return_tensors="pt"))  # no padding
    torch.testing.assert_close(got[:1], alone, atol=1e-5, rtol=0)


def test_the_default_keeps_the_models_pooler(load_tiny):
    model, tok = load_tiny("bert")
    model = apply_method(model, MethodConfig.of("linear_probe")).eval()
    assert not hasattr(model.config, "textbench_probe_pooling")
    enc = tok(["a text"], return_tensors="pt")
    with torch.no_grad():
        pooled = model.bert(**enc).pooler_output
    torch.testing.assert_close(_head_input(model, enc), pooled)


def test_mean_pooling_on_a_model_without_a_pooler_is_a_config_error(load_tiny):
    model, _ = load_tiny("llama")
    with pytest.raises(ConfigError, match="probe_pooling: mean needs a BERT-style model"):
        apply_method(model, MEAN)
