"""Tiny random checkpoints built from configs (no download) for end-to-end tests."""

from __future__ import annotations

from pathlib import Path

WORDS = (
    "great love happy wonderful excellent good awful hate sad terrible bad horrible "
    "table monday paper street window train the a is it this that movie day"
).split()


def tiny_bert(path: Path, *, num_labels: int = 3) -> Path:
    """A 2-layer width-32 BERT with a WordPiece tokenizer trained on a few words."""
    from transformers import BertConfig, BertForSequenceClassification

    from textbench.tokenization import TokenizerConfig, train_tokenizer

    tok = train_tokenizer(
        [" ".join(WORDS)] * 5 + [f"item{i}" for i in range(60)],
        TokenizerConfig(train="wordpiece", vocab_size=200, min_frequency=1, max_length=32),
        path,
    )
    cfg = BertConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64, num_labels=num_labels,
        pad_token_id=tok.pad_token_id,
    )
    BertForSequenceClassification(cfg).save_pretrained(path)
    tok.save_pretrained(path)
    return path
