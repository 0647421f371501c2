"""Each method trains exactly the parameters it promises, on a tiny BERT and a tiny Llama."""

from __future__ import annotations

import pytest

from textbench.methods import MethodConfig
from textbench.methods import apply_method, count_parameters

# model kind -> (last layer prefix, modules above the layer stack, head, LoRA default targets)
PARTS = {
    "bert": ("bert.encoder.layer.1.", ("bert.pooler.",), "classifier.", ("query", "value")),
    "llama": ("model.layers.1.", ("model.norm.",), "score.", ("q_proj", "v_proj")),
}


def trainable(model) -> set[str]:
    return {n for n, p in model.named_parameters() if p.requires_grad}


def everything(model) -> set[str]:
    return {n for n, _ in model.named_parameters()}


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_full_trains_everything(load_tiny, kind):
    model = apply_method(load_tiny(kind)[0], MethodConfig(name="full"))
    assert trainable(model) == everything(model)


@pytest.mark.parametrize("kind", ["bert", "llama"])
@pytest.mark.parametrize("head", ["linear", "bert", "mlp"])
def test_probe_trains_only_the_head(load_tiny, kind, head):
    model = apply_method(load_tiny(kind)[0], MethodConfig.of("linear_probe", probe_head=head))
    head_prefix = PARTS[kind][2]
    names = trainable(model)
    assert names == {n for n in everything(model) if n.startswith(head_prefix)}
    assert names
    if head == "mlp":
        counts = count_parameters(model)
        h, c = 32, 3  # LayerNorm(h), Linear(h, h/2), LayerNorm(h/2), Linear(h/2, c)
        assert counts["trainable"] == counts["trainable_head"] == 2 * h + h * 16 + 16 + 2 * 16 + 16 * c + c


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_lora_trains_only_adapters_and_head(load_tiny, kind):
    model = apply_method(load_tiny(kind)[0], MethodConfig.of("lora", r=4))
    names = trainable(model)
    lora = {n for n in names if "lora_" in n}
    head = {n for n in names if "modules_to_save" in n}
    assert lora and head and names == lora | head
    targets = PARTS[kind][3]
    assert all(any(f".{t}.lora_" in n for t in targets) for n in lora)
    assert all(PARTS[kind][2].rstrip(".") in n for n in head)


@pytest.mark.parametrize("kind", ["bert", "llama"])
@pytest.mark.parametrize("projection", [False, True])
def test_prefix_trains_only_prompt_encoder_and_head(load_tiny, kind, projection):
    cfg = MethodConfig.of("prefix", num_virtual_tokens=4, prefix_projection=projection,
                       prefix_hidden_size=16 if projection else None)
    model = apply_method(load_tiny(kind)[0], cfg)
    names = trainable(model)
    prompt = {n for n in names if n.startswith("prompt_encoder.")}
    head = {n for n in names if "modules_to_save" in n}
    assert prompt and head and names == prompt | head
    if projection:
        assert any("transform" in n for n in prompt)  # the reparameterisation MLP
        assert count_parameters(model)["adapter"] > 4 * 16


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_freeze_trains_top_layers_and_above(load_tiny, kind):
    model = apply_method(load_tiny(kind)[0], MethodConfig.of("freeze", trainable_layers=1))
    last, above, head, _ = PARTS[kind]
    expected = {n for n in everything(model) if n.startswith((last, head, *above))}
    assert trainable(model) == expected
    model = apply_method(load_tiny(kind)[0], MethodConfig.of("freeze", trainable_layers=0))
    assert trainable(model) == {n for n in everything(model) if n.startswith((head, *above))}
    model = apply_method(load_tiny(kind)[0], MethodConfig.of("freeze", trainable_layers=2))
    frozen = everything(model) - trainable(model)
    assert frozen and all("embed" in n for n in frozen)


def test_bitfit_trains_biases_and_head(load_tiny):
    model = apply_method(load_tiny("bert")[0], MethodConfig(name="bitfit"))
    expected = {n for n in everything(model) if n.endswith("bias") or n.startswith("classifier.")}
    assert trainable(model) == expected


@pytest.mark.parametrize("kind", ["bert", "llama"])
def test_totals_agree_across_methods(load_tiny, kind):
    """A LoRA or prefix run and a full run of the same model report the same total."""
    counts = {}
    for cfg in (MethodConfig(name="full"), MethodConfig(name="lora"), MethodConfig(name="prefix"),
                MethodConfig.of("freeze", trainable_layers=1), MethodConfig(name="linear_probe")):
        model = apply_method(load_tiny(kind)[0], cfg)
        counts[cfg.name] = count_parameters(model)
    totals = {c["total"] for c in counts.values()}
    assert len(totals) == 1
    full = counts["full"]
    assert full["trainable"] == full["total"] == full["backbone"] + full["head"] and full["adapter"] == 0
    for name in ("lora", "prefix"):
        c = counts[name]
        assert c["adapter"] > 0 and c["trainable_backbone"] == 0
        assert c["trainable"] == c["trainable_adapter"] + c["trainable_head"] == c["adapter"] + c["head"]
        assert c["head"] == full["head"]
    assert counts["linear_probe"]["trainable"] == full["head"]
