"""A from-scratch arm's width and depth in the search, within a parameter budget.

The default space of a scratch arm varies depth (half to twice its layers) and width
(half, the same, twice its hidden size); the feed-forward width keeps its ratio to the
hidden size unless searched itself. A trial whose model would exceed the arm's parameter
budget (``tune.max_parameters``; by default the arm's own configured size, so the search
trades depth for width and may shrink the model but never grows it) is refused before
it trains: pruned at no cost, and not counted against the trial budget.
"""

from __future__ import annotations

import functools
from typing import Any

from textbench.tuning.space import Param

DEPTH = "model.architecture.num_hidden_layers"
WIDTH = "model.architecture.hidden_size"
FFN = "model.architecture.intermediate_size"


def architecture(cfg: Any) -> Any:
    """The arm's ``TextbenchConfig`` (defaults filled in) for its vocabulary size."""
    from textbench.models import TextbenchConfig
    from textbench.runs.build import scratch_architecture

    vocab = _tokenizer_size(cfg.tokenizer.name_or_path) if cfg.tokenizer.name_or_path else cfg.tokenizer.vocab_size
    return TextbenchConfig(vocab_size=vocab, num_labels=2, **scratch_architecture(cfg))


def shape_space(cfg: Any) -> dict[str, Param]:
    """Depth and width choices around the arm's own shape (widths that its heads divide evenly)."""
    hf = architecture(cfg)
    layers, width, heads = hf.num_hidden_layers, hf.hidden_size, hf.num_attention_heads
    widths = sorted({w for w in (width // 2, width, width * 2) if w >= 2 * heads and w % (2 * heads) == 0}
                    | {width})
    return {DEPTH: Param(DEPTH, max(1, layers // 2), max(2, layers * 2), integer=True),
            WIDTH: Param(WIDTH, choices=tuple(widths))}


def scale_feed_forward(base: Any, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus the feed-forward width scaled with a searched hidden size (ratio kept)."""
    if WIDTH not in values or FFN in values:
        return values
    hf = architecture(base)
    ratio = hf.intermediate_size / hf.hidden_size
    return {**values, FFN: int(round(values[WIDTH] * ratio))}


def scratch_parameters(cfg: Any) -> int:
    """Parameters of the from-scratch model ``cfg`` describes, counted without allocating weights."""
    import torch

    from textbench.models import TextbenchForSequenceClassification

    with torch.device("meta"):
        model = TextbenchForSequenceClassification(architecture(cfg))
    return sum(p.numel() for p in model.parameters())  # tied weights once (meta tensors share no storage)


def parameter_budget(cfg: Any, max_parameters: int | None) -> int | None:
    """A from-scratch arm's budget: ``max_parameters``, else its configured size; None for other arms."""
    if cfg.model.kind != "scratch" or cfg.model.from_pretraining_run:
        return None
    return max_parameters or scratch_parameters(cfg)


@functools.lru_cache(maxsize=8)
def _tokenizer_size(name_or_path: str) -> int:
    """Tokens of a given tokenizer, loaded once per search (every trial counts its shape with it)."""
    from textbench.runs.build import load_run_tokenizer
    from textbench.tokenization import TokenizerConfig

    return len(load_run_tokenizer(TokenizerConfig(name_or_path=name_or_path), None))
