"""Tokenizers: train WordPiece/BPE on the training texts or load a pretrained one."""

from textbench.tokenization.config import TokenizerConfig

_EXPORTS = {
    "tokenizer_hash": "textbench.tokenization.hashing",
    "load_tokenizer": "textbench.tokenization.load",
    "load_tokenizer_with_notes": "textbench.tokenization.load",
    "train_tokenizer": "textbench.tokenization.train",
}
__all__ = ["TokenizerConfig", "load_tokenizer", "load_tokenizer_with_notes", "tokenizer_hash", "train_tokenizer"]


def __getattr__(name: str) -> object:  # imported on first use, so `textbench.tokenization.config` stays light
    import importlib

    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
