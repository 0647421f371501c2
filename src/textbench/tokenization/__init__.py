"""Tokenizers: train WordPiece/BPE on the training texts or load a pretrained one."""

from textbench.tokenization.config import TokenizerConfig
from textbench.tokenization.hashing import tokenizer_hash
from textbench.tokenization.load import load_tokenizer, load_tokenizer_with_notes
from textbench.tokenization.train import train_tokenizer

__all__ = ["TokenizerConfig", "load_tokenizer", "load_tokenizer_with_notes", "tokenizer_hash", "train_tokenizer"]
