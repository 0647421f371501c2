"""Trained WordPiece and byte-level BPE tokenizers round-trip through AutoTokenizer."""

from __future__ import annotations

import pytest
from transformers import AutoTokenizer

from textbench.errors import ConfigError, DataError
from textbench.tokenization import TokenizerConfig, tokenizer_hash, train_tokenizer

TEXTS = [f"Héllo wörld number {i}, the quick brown fox jumps over the lazy dog" for i in range(50)] + [
    "I LOVE this movie :)",
    "Terrible service, never again.",
]


@pytest.mark.parametrize(
    "kind,specials",
    [
        ("wordpiece", {"pad_token": "[PAD]", "mask_token": "[MASK]", "cls_token": "[CLS]", "sep_token": "[SEP]", "unk_token": "[UNK]"}),
        ("bpe", {"pad_token": "<pad>", "mask_token": "<mask>", "cls_token": "<s>", "bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}),
    ],
)
def test_train_and_reload(tmp_path, kind, specials):
    cfg = TokenizerConfig(train=kind, vocab_size=300, min_frequency=1, max_length=16)
    tok = train_tokenizer(TEXTS, cfg, tmp_path / "tok")
    again = AutoTokenizer.from_pretrained(tmp_path / "tok")
    for attr, value in specials.items():
        assert getattr(again, attr) == value, attr
    assert again.model_max_length == 16
    assert 256 < len(again) <= 300 or kind == "wordpiece"
    enc = again("HÉLLO the fox")
    ids = enc["input_ids"]
    first, last = (again.cls_token_id, again.sep_token_id) if kind == "wordpiece" else (again.bos_token_id, again.eos_token_id)
    assert ids[0] == first and ids[-1] == last
    assert again.decode(ids, skip_special_tokens=True).strip() == "hello the fox"  # lowercased, accents stripped
    assert ids == tok("HÉLLO the fox")["input_ids"]
    batch = again(["a", "the quick brown fox"], padding=True, truncation=True)
    assert batch["input_ids"][0][-1] == again.pad_token_id
    assert len(again(" ".join(["fox"] * 50), truncation=True)["input_ids"]) == 16
    assert tokenizer_hash(again) == tokenizer_hash(tok)


def test_case_and_accents_kept_when_asked(tmp_path):
    cfg = TokenizerConfig(train="wordpiece", vocab_size=300, min_frequency=1, lowercase=False, strip_accents=False)
    tok = train_tokenizer(TEXTS, cfg, tmp_path / "tok")
    assert "LOVE" in tok.decode(tok("I LOVE")["input_ids"], skip_special_tokens=True)
    assert "é" in tok.decode(tok("Héllo")["input_ids"], skip_special_tokens=True)


def test_extra_files_feed_training(tmp_path):
    (tmp_path / "extra.txt").write_text("zyxwv zyxwv zyxwv\n" * 5, encoding="utf-8")
    cfg = TokenizerConfig(train="wordpiece", vocab_size=400, min_frequency=1, extra_files=["extra.txt"])
    tok = train_tokenizer(TEXTS, cfg, tmp_path / "tok", base_dir=tmp_path)
    assert "zyxwv" in tok.get_vocab()
    with pytest.raises(DataError, match="missing.txt"):
        train_tokenizer(TEXTS, TokenizerConfig(train="bpe", extra_files=["missing.txt"]), tmp_path / "t2", base_dir=tmp_path)


def test_hash_differs_between_tokenizers(tmp_path):
    a = train_tokenizer(TEXTS, TokenizerConfig(train="wordpiece", vocab_size=300, min_frequency=1), tmp_path / "a")
    b = train_tokenizer(TEXTS, TokenizerConfig(train="wordpiece", vocab_size=280, min_frequency=1), tmp_path / "b")
    assert tokenizer_hash(a) != tokenizer_hash(b) and len(tokenizer_hash(a)) == 64


def test_bad_settings(tmp_path):
    with pytest.raises(ConfigError, match="tokenizer.train"):
        train_tokenizer(TEXTS, TokenizerConfig(), tmp_path / "x")
    with pytest.raises(ConfigError, match="vocab_size"):
        train_tokenizer(TEXTS, TokenizerConfig(train="bpe", vocab_size=10), tmp_path / "x")
    with pytest.raises(DataError, match="no texts"):
        train_tokenizer(["", "  "], TokenizerConfig(train="bpe"), tmp_path / "x")
