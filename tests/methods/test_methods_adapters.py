"""The wider PEFT family (DoRA, AdaLoRA, IA3, LoHa, LoKr, VeRA, OFT, BOFT, generic ``peft``) on tiny BERT,
Llama and textbench models: they train only their adapter and the head, count parameters like
LoRA, and reload with identical probabilities."""

from __future__ import annotations

import pytest
import torch

import textbench.models as models
from textbench.errors import ConfigError
from textbench.methods import MethodConfig, apply_method, count_parameters, load_trained_model, save_trained_model
from textbench.models.params import adapter_keys, is_adapter

METHODS = {
    "dora": MethodConfig.of("dora", r=4),
    "adalora": MethodConfig.of("adalora", init_r=4, target_r=2),
    "ia3": MethodConfig.of("ia3"),
    "loha": MethodConfig.of("loha", r=4),
    "lokr": MethodConfig.of("lokr", r=4),
    "vera": MethodConfig.of("vera", r=8),
    "oft": MethodConfig.of("oft", block_size=8),
    "boft": MethodConfig.of("boft", block_size=4),
    "peft-hra": MethodConfig.of("peft", config={"peft_type": "HRA", "r": 2}),
}
KINDS = ("bert", "llama", "textbench")


def _tiny_textbench() -> torch.nn.Module:
    torch.manual_seed(0)
    cfg = models.TextbenchConfig(vocab_size=300, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                                 intermediate_size=64, max_position_embeddings=64, num_labels=3)
    return models.TextbenchForSequenceClassification(cfg)


def _model(load_tiny, kind: str):
    """(fresh model, tokenizer); the textbench model reads the BERT tokenizer's ids (vocab 300 > 200)."""
    if kind == "textbench":
        return _tiny_textbench(), load_tiny("bert")[1]
    return load_tiny(kind)


def _inputs(tb, tok, kind):
    batch = tb.batch(tok)
    return {k: v for k, v in batch.items() if k != "token_type_ids"} if kind == "textbench" else batch


def _probs(model, inputs):
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(**inputs).logits.float(), dim=-1)


def _train(model, inputs, tb):
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    model.train()
    for _ in range(3):
        model(**inputs, labels=torch.tensor(tb.LABELS)).loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()


CASES = [(k, m) for k in KINDS for m in METHODS]


@pytest.mark.parametrize("kind,method", CASES, ids=[f"{k}-{m}" for k, m in CASES])
def test_adapter_trains_its_own_weights_and_reloads_identically(load_tiny, tb, tmp_path, kind, method):
    base, tok = _model(load_tiny, kind)
    plain_total = count_parameters(base)["total"]
    model = apply_method(base, METHODS[method])
    counts = count_parameters(model)
    assert counts["total"] == plain_total  # adapters are counted apart, as for LoRA
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    adapter = {n for n in trainable if is_adapter(n, adapter_keys(model))}
    head = {n for n in trainable if "modules_to_save" in n}
    assert adapter and head and trainable == adapter | head, sorted(trainable - adapter - head)[:5]
    assert counts["trainable"] == counts["trainable_adapter"] + counts["trainable_head"] > 0

    inputs = _inputs(tb, tok, kind)
    start = _probs(model, inputs)
    _train(model, inputs, tb)
    before = _probs(model, inputs)
    assert not torch.equal(before, start)  # it trained
    out = tmp_path / "model"
    save_trained_model(model, out, METHODS[method])
    assert (out / "adapter_config.json").is_file()
    reloaded = load_trained_model(out)
    torch.testing.assert_close(_probs(reloaded, inputs), before, atol=0, rtol=0)


def test_generic_peft_config_is_checked():
    with pytest.raises(ConfigError, match="method.config.peft_type: required"):
        MethodConfig.of("peft", config={"r": 4})
    with pytest.raises(ConfigError, match="unknown 'NOPE'"):
        MethodConfig.of("peft", config={"peft_type": "NOPE"})
    with pytest.raises(ConfigError, match="prompt learning; use method.name: prefix"):
        MethodConfig.of("peft", config={"peft_type": "PREFIX_TUNING"})


def test_bad_adapter_settings_are_config_errors(load_tiny):
    with pytest.raises(ConfigError, match="method.r: rank must be >= 1"):
        MethodConfig.of("loha", r=0)
    model, _ = load_tiny("bert")
    with pytest.raises(ConfigError, match="method.config: LoHaConfig does not take these keys"):
        apply_method(model, MethodConfig.of("peft", config={"peft_type": "LOHA", "nope": 1}))
    for name in ("oft", "boft"):  # PEFT would quietly use another block size
        with pytest.raises(ConfigError, match="method.block_size: 5 does not divide the input width 32"):
            apply_method(load_tiny("bert")[0], MethodConfig.of(name, block_size=5))
