"""A saved run of every method reloads with the probabilities it had at the end of training."""

from __future__ import annotations

import json

import pytest
import torch
import yaml

from textbench.methods import MethodConfig
from textbench.methods import apply_method, load_trained_model, save_trained_model

METHODS = {
    "full": MethodConfig(name="full"),
    "lora": MethodConfig.of("lora", r=4),
    "lora-merged": MethodConfig.of("lora", r=4, merge_adapter=True),
    "prefix": MethodConfig.of("prefix", num_virtual_tokens=3),
    "prefix-projection": MethodConfig.of("prefix", num_virtual_tokens=3, prefix_projection=True,
                                      prefix_hidden_size=16),
    "probe-linear": MethodConfig.of("linear_probe", probe_head="linear"),
    "probe-bert": MethodConfig.of("linear_probe", probe_head="bert"),
    "probe-mlp": MethodConfig.of("linear_probe", probe_head="mlp"),
    "probe-mean": MethodConfig.of("linear_probe", probe_pooling="mean"),
    "probe-mlp-mean": MethodConfig.of("linear_probe", probe_head="mlp", probe_pooling="mean"),
    "freeze": MethodConfig.of("freeze", trainable_layers=1),
    "bitfit": MethodConfig(name="bitfit"),
}
CASES = [(k, m) for k in ("bert", "llama") for m in METHODS
         if not (k == "llama" and (m == "bitfit" or m.endswith("-mean")))]  # mean pooling: BERT-style only


def _trained(load_tiny, tb, kind, method):
    model, tok = load_tiny(kind)
    model = apply_method(model, METHODS[method])
    tb.train_a_little(model, tok)
    return model, tok


@pytest.mark.parametrize("kind,method", CASES, ids=[f"{k}-{m}" for k, m in CASES])
def test_save_reload_gives_identical_probabilities(load_tiny, tb, tmp_path, kind, method):
    model, tok = _trained(load_tiny, tb, kind, method)
    before = tb.probabilities(model, tok)
    out = tmp_path / "model"
    save_trained_model(model, out, METHODS[method])
    is_adapter = (out / "adapter_config.json").is_file()
    settings = vars(METHODS[method].settings)
    assert is_adapter == (METHODS[method].name in ("lora", "prefix") and not settings.get("merge_adapter"))
    reloaded = load_trained_model(out)
    after = tb.probabilities(reloaded, tok)
    # merging re-rounds W + BA; a reloaded prefix projection is stored already projected
    tol = 1e-5 if settings.get("merge_adapter") else 1e-6 if settings.get("prefix_projection") else 0.0
    torch.testing.assert_close(after, before, atol=tol, rtol=0)
    assert not reloaded.training


def test_lora_head_comes_back_trained_not_random(load_tiny, tb, tmp_path):
    """The classic bug: an adapter reloads onto a base with a fresh random head."""
    model, tok = _trained(load_tiny, tb, "bert", "lora")
    save_trained_model(model, tmp_path / "m", METHODS["lora"])
    reloaded = load_trained_model(tmp_path / "m")
    trained = model.base_model.model.classifier.modules_to_save["default"].weight
    back = reloaded.base_model.model.classifier.modules_to_save["default"].weight
    torch.testing.assert_close(back, trained, atol=0, rtol=0)
    assert reloaded.config.num_labels == 3 and reloaded.config.id2label[2] == "positive"


def test_adapter_records_new_base_weights(load_tiny, tb, tmp_path):
    """Base weights the checkpoint lacks (here a re-initialised pooler) are saved with the adapter."""
    model, tok = load_tiny("bert")
    with torch.no_grad():
        model.bert.pooler.dense.weight.normal_()  # as if the checkpoint had no pooler
    model = apply_method(model, METHODS["lora"])
    tb.train_a_little(model, tok)
    before = tb.probabilities(model, tok)
    save_trained_model(model, tmp_path / "m", METHODS["lora"])
    info = json.loads((tmp_path / "m" / "textbench_adapter.json").read_text())
    assert info["base_extra_tensors"] == 1 and (tmp_path / "m" / info["base_extra"]).is_file()
    torch.testing.assert_close(tb.probabilities(load_trained_model(tmp_path / "m"), tok), before, atol=0, rtol=0)


@pytest.mark.parametrize("method", ["lora", "prefix", "probe-mlp", "freeze"])
def test_load_run_model_reloads(load_tiny, tb, tmp_path, method):
    """Through the predictor's loader (`textbench.inference.loading.load_run_model`)."""
    from textbench.inference import loading

    model, tok = _trained(load_tiny, tb, "llama", method)
    before = tb.probabilities(model, tok)
    run = tmp_path / "run"
    save_trained_model(model, run / "model", METHODS[method])
    tok.save_pretrained(run / "model")
    (run / "config.yaml").write_text(yaml.safe_dump({"tokenizer": {"max_length": 64}}))
    reloaded, tok2, _ = loading.load_run_model(run, device="cpu")
    torch.testing.assert_close(tb.probabilities(reloaded, tok2), before, atol=0, rtol=0)


def test_prefix_projection_reloads_best_checkpoint_in_trainer_style(load_tiny, tb, tmp_path):
    """Trainer's load_best_model_at_end calls load_adapter on the live (MLP) model."""
    from textbench.errors import ModelError

    cfg = METHODS["prefix-projection"]
    model, tok = _trained(load_tiny, tb, "bert", "prefix-projection")
    at_checkpoint = tb.probabilities(model, tok)
    model.save_pretrained(tmp_path / "checkpoint-3")
    tb.train_a_little(model, tok)
    assert not torch.allclose(tb.probabilities(model, tok), at_checkpoint)
    with pytest.raises(ModelError, match="cannot resume"):
        model.load_adapter(str(tmp_path / "checkpoint-3"), "default", is_trainable=True)
    model.load_adapter(str(tmp_path / "checkpoint-3"), "default")
    torch.testing.assert_close(tb.probabilities(model, tok), at_checkpoint, atol=1e-6, rtol=0)
    save_trained_model(model, tmp_path / "final", cfg)
    torch.testing.assert_close(tb.probabilities(load_trained_model(tmp_path / "final"), tok), at_checkpoint,
                               atol=1e-6, rtol=0)
