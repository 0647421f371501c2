"""The methods on our own from-scratch models (textbench.models)."""

from __future__ import annotations

import pytest
import torch

from textbench.methods import MethodConfig
from textbench.errors import ModelError
from textbench.methods import apply_method, count_parameters, load_trained_model, save_trained_model
import textbench.models as models
from textbench.methods.lora import default_target_modules


def tiny(attention_type: str = "mha") -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = models.TextbenchConfig(
        vocab_size=100, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=32, attention_type=attention_type, lsh_bucket_size=4,
        performer_num_features=16, num_labels=3,
    )
    return models.TextbenchForSequenceClassification(cfg)


IDS = torch.randint(3, 100, (4, 8), generator=torch.Generator().manual_seed(0))
MASK = torch.ones_like(IDS)
MASK[0, 5:] = 0


def probs(model: torch.nn.Module) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(input_ids=IDS, attention_mask=MASK).logits, dim=-1)


def train_a_little(model: torch.nn.Module) -> None:
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    for _ in range(2):
        model(input_ids=IDS, attention_mask=MASK, labels=torch.tensor([0, 1, 2, 1])).loss.backward()
        opt.step()
        opt.zero_grad()


def test_default_lora_targets_per_attention():
    assert default_target_modules(tiny("mha")) == ["q_proj", "v_proj"]
    assert default_target_modules(tiny("performer")) == ["q_proj", "v_proj"]
    assert default_target_modules(tiny("lsh")) == ["qk_proj", "v_proj"]


@pytest.mark.parametrize("attention,method", [("mha", "lora"), ("lsh", "lora"), ("mha", "prefix"),
                                              ("mha", "linear_probe"), ("lsh", "freeze")])
def test_scratch_model_saves_and_reloads(tmp_path, attention, method):
    """A from-scratch base exists nowhere on disk: adapters save it beside themselves."""
    own = {"prefix": {"num_virtual_tokens": 3}, "linear_probe": {"probe_head": "mlp"}, "freeze": {"trainable_layers": 1}}
    cfg = MethodConfig.of(method, **own.get(method, {}))
    model = apply_method(tiny(attention), cfg)
    full = count_parameters(tiny(attention))
    if method in ("lora", "prefix"):
        assert count_parameters(model)["total"] == full["total"]
    train_a_little(model)
    before = probs(model)
    save_trained_model(model, tmp_path / "m", cfg)
    torch.testing.assert_close(probs(load_trained_model(tmp_path / "m")), before, atol=0, rtol=0)


@pytest.mark.parametrize("attention", ["lsh", "performer"])
def test_prefix_needs_mha(attention):
    with pytest.raises(ModelError, match=f"needs attention_type mha; this model uses {attention}"):
        apply_method(tiny(attention), MethodConfig(name="prefix"))
