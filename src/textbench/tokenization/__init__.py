"""Tokenizers: train WordPiece/BPE on the training texts or load a pretrained one."""

from textbench.utils.lazy import lazy_exports
from textbench.tokenization.config import TokenizerConfig

_EXPORTS = {
    "tokenizer_hash": "textbench.tokenization.hashing",
    "load_tokenizer": "textbench.tokenization.load",
    "load_tokenizer_with_notes": "textbench.tokenization.load",
    "train_tokenizer": "textbench.tokenization.train",
}
__all__ = ["TokenizerConfig", "load_tokenizer", "load_tokenizer_with_notes", "tokenizer_hash", "train_tokenizer"]

__getattr__ = lazy_exports(__name__, _EXPORTS)  # the rest import on first use
