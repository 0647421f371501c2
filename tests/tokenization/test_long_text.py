"""Cutting long texts: truncate, head + tail, overlapping windows; per-text aggregation of windows."""

from __future__ import annotations

import numpy as np
import pytest
from tokenizers import Tokenizer, models, pre_tokenizers, processors
from transformers import PreTrainedTokenizerFast

from textbench.errors import ConfigError
from textbench.tokenization import TokenizerConfig
from textbench.tokenization.long_text import LongText, aggregate, encode

WORDS = [f"w{i}" for i in range(40)]


@pytest.fixture(scope="module")
def tok() -> PreTrainedTokenizerFast:
    vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, **{w: i + 4 for i, w in enumerate(WORDS)}}
    t = Tokenizer(models.WordLevel(vocab, unk_token="[UNK]"))
    t.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    t.post_processor = processors.TemplateProcessing(single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)])
    return PreTrainedTokenizerFast(tokenizer_object=t, pad_token="[PAD]", unk_token="[UNK]", cls_token="[CLS]",
                                   sep_token="[SEP]")


def _ids(words: list[str]) -> list[int]:
    return [WORDS.index(w) + 4 for w in words]


def test_head_tail_keeps_the_start_and_the_end_with_special_tokens(tok):
    text = " ".join(WORDS)  # 40 words
    enc, doc = encode(tok, [text, "w1 w2"], LongText(12, "head_tail", head_fraction=0.25))
    assert enc["input_ids"][0] == [2, *_ids(WORDS[:2]), *_ids(WORDS[-8:]), 3]  # 10 content tokens: 2 head, 8 tail
    assert enc["input_ids"][1] == [2, *_ids(["w1", "w2"]), 3]  # short texts are untouched
    assert enc["attention_mask"][0] == [1] * 12 and list(doc) == [0, 1]


def test_chunk_covers_the_whole_text_in_overlapping_windows(tok):
    text = " ".join(WORDS)
    enc, doc = encode(tok, ["w5", text], LongText(12, "chunk", stride=2))
    rows = [r for r, d in zip(enc["input_ids"], doc) if d == 1]
    assert list(doc[:1]) == [0] and len(rows) > 3 and all(len(r) <= 12 for r in rows)
    seen = {t for r in rows for t in r[1:-1]}
    assert seen == set(_ids(WORDS))  # every token of the text is in some window
    assert rows[0][-3:-1] == rows[1][1:3]  # neighbours share `stride` tokens


def test_truncate_is_todays_behaviour(tok):
    text = " ".join(WORDS)
    enc, doc = encode(tok, [text], LongText(12))
    assert enc["input_ids"] == tok([text], truncation=True, max_length=12)["input_ids"] and list(doc) == [0]


def test_aggregate_mean_and_max_per_text():
    logits = np.array([[1.0, 0.0], [3.0, 0.0], [0.0, 5.0], [2.0, 2.0]])
    doc = np.array([0, 0, 1, 2])
    np.testing.assert_allclose(aggregate(logits, doc, 3, "mean"), [[2.0, 0.0], [0.0, 5.0], [2.0, 2.0]])
    np.testing.assert_allclose(aggregate(logits, doc, 3, "max"), [[3.0, 0.0], [0.0, 5.0], [2.0, 2.0]])
    same = np.arange(3)
    assert aggregate(logits[:3], same, 3) is not None and np.array_equal(aggregate(logits[:3], same, 3), logits[:3])


@pytest.mark.parametrize("bad, match", [({"head_fraction": 1.0}, "head_fraction"),
                                        ({"chunk_stride": 64}, "chunk_stride must be in")])
def test_bad_cutting_settings(bad, match):
    with pytest.raises(ConfigError, match=match):
        TokenizerConfig(**bad).validate()
