"""Decoder classifiers: a pad token is added, the last real token is read, either padding side works."""

from __future__ import annotations

import pytest
import torch

from textbench.methods import MethodConfig
from textbench.methods import apply_method
from textbench.methods.lora import default_target_modules


def test_pad_token_is_added_and_used(load_tiny):
    model, tok = load_tiny("llama")
    assert tok.pad_token == tok.eos_token == "</s>"
    assert model.config.pad_token_id == tok.eos_token_id


@pytest.mark.parametrize("method", ["lora", "prefix", "full"])
def test_padding_does_not_change_predictions(load_tiny, tb, method):
    """Right padding always; left padding too, except with a prefix (RoPE queries meet unrotated
    prefix keys at shifted positions), which is why classification tokenizers pad on the right."""
    model, tok = load_tiny("llama")
    model = apply_method(model, MethodConfig.of(method, **({"r": 4} if method == "lora" else {})))
    tb.train_a_little(model, tok)
    tok.padding_side = "right"
    right = tb.probabilities(model, tok)
    tok.padding_side = "left"
    left = tb.probabilities(model, tok)
    alone = torch.cat([tb.probabilities(model, tok, [t]) for t in tb.SENTENCES])
    torch.testing.assert_close(right, alone, atol=1e-5, rtol=0)
    if method != "prefix":
        torch.testing.assert_close(left, alone, atol=1e-5, rtol=0)


def test_default_lora_targets(load_tiny):
    assert default_target_modules(load_tiny("bert")[0]) == ["query", "value"]
    assert default_target_modules(load_tiny("llama")[0]) == ["q_proj", "v_proj"]
