"""Texts longer than the model's window: truncate, head + tail, or overlapping windows.

``encode`` turns texts into model inputs, one row per window, and says which text each row
came from; ``aggregate`` turns the windows' logits back into one row of logits per text
(mean, or per class the max). ``truncate`` and ``head_tail`` give one window per text, so
every metric stays per text whatever the strategy. ``head_tail`` keeps the first
``head_fraction`` of the window and fills the rest from the end of the text, a strong
baseline for long-document classification (Sun et al., 2019, "How to fine-tune BERT for
text classification?").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from textbench.errors import ConfigError
from textbench.tokenization.config import TokenizerConfig

ENCODED = ("input_ids", "attention_mask", "token_type_ids")


@dataclass(frozen=True)
class LongText:
    """How texts are cut to ``max_length`` tokens (from ``tokenizer:``)."""

    max_length: int = 128
    strategy: str = "truncate"  # truncate | head_tail | chunk
    head_fraction: float = 0.25
    stride: int | None = None  # chunk: tokens shared by neighbouring windows (None = max_length // 4)
    aggregate: str = "mean"  # chunk: mean | max of the windows' logits

    @classmethod
    def of(cls, cfg: TokenizerConfig | dict[str, Any]) -> LongText:
        """From a tokenizer config or its mapping (a saved run's ``config.yaml``)."""
        get = cfg.get if isinstance(cfg, dict) else lambda k, d=None: getattr(cfg, k, d)
        return cls(int(get("max_length", 128)), str(get("long_text", "truncate")), float(get("head_fraction", 0.25)),
                   get("chunk_stride", None), str(get("chunk_aggregate", "mean")))

    @property
    def windows(self) -> bool:
        return self.strategy == "chunk"


def encode(tokenizer: Any, texts: Sequence[str], cut: LongText) -> tuple[dict[str, list], np.ndarray]:
    """(encodings with one row per window, each row's text index)."""
    texts = list(texts)
    if cut.strategy == "chunk":
        if not getattr(tokenizer, "is_fast", False):
            raise ConfigError("tokenizer.long_text: chunk needs a fast (Rust) tokenizer; this one is not")
        stride = cut.stride if cut.stride is not None else cut.max_length // 4
        enc = tokenizer(texts, truncation=True, max_length=cut.max_length, stride=stride,
                        return_overflowing_tokens=True)
        doc = np.asarray(enc.pop("overflow_to_sample_mapping"), dtype=np.int64)
        return {k: enc[k] for k in ENCODED if k in enc}, doc
    if cut.strategy == "head_tail":
        return _head_tail(tokenizer, texts, cut), np.arange(len(texts), dtype=np.int64)
    enc = tokenizer(texts, truncation=True, max_length=cut.max_length)
    return {k: enc[k] for k in ENCODED if k in enc}, np.arange(len(texts), dtype=np.int64)


def _head_tail(tokenizer: Any, texts: list[str], cut: LongText) -> dict[str, list]:
    """The first and last tokens of each text, its special tokens kept where the tokenizer puts them."""
    enc = tokenizer(texts, truncation=False, return_special_tokens_mask=True, verbose=False)
    out: dict[str, list] = {k: [] for k in ENCODED if k in enc}
    for i, special in enumerate(enc["special_tokens_mask"]):
        n = len(special)
        if n <= cut.max_length:
            keep = list(range(n))
        else:
            content = [j for j, s in enumerate(special) if not s]
            lead = [j for j in range(content[0]) if special[j]] if content else []
            trail = [j for j in range(content[-1] + 1, n) if special[j]] if content else []
            room = cut.max_length - len(lead) - len(trail)
            head = max(1, int(round(room * cut.head_fraction)))
            keep = lead + content[:head] + content[len(content) - (room - head):] + trail
        for k in out:
            row = enc[k][i]
            out[k].append([row[j] for j in keep])
    return out


def aggregate(logits: np.ndarray, doc: np.ndarray, n_texts: int, how: str = "mean") -> np.ndarray:
    """(W, C) window logits -> (N, C) text logits (mean, or per class the max, over each text's windows)."""
    logits = np.asarray(logits, dtype=np.float64)
    if len(doc) == n_texts and np.array_equal(doc, np.arange(n_texts)):
        return logits  # one window per text
    out = np.full((n_texts, logits.shape[-1]), -np.inf if how == "max" else 0.0)
    if how == "max":
        np.maximum.at(out, doc, logits)
    else:
        np.add.at(out, doc, logits)
        out /= np.bincount(doc, minlength=n_texts)[:, None]
    return out
