"""Read PEFT prefix-tuning keys/values from a transformers `Cache` or legacy tuples.

Prefix tuning hands the model ``past_key_values`` holding, per layer, keys and
values of shape ``(B, heads, P, head_size)``. The model only reads them (it
never appends to the cache); an empty cache counts as no prefix.
"""

from __future__ import annotations

from typing import Any

from transformers.cache_utils import Cache

from textbench.errors import ModelError
from textbench.models.attention import PrefixKV


def layer_prefixes(past_key_values: Any, num_layers: int) -> list[PrefixKV] | None:
    """One (keys, values) pair per layer, or None when there is no prefix."""
    if past_key_values is None:
        return None
    if isinstance(past_key_values, Cache):
        if past_key_values.get_seq_length() == 0:
            return None
        pairs = [(layer.keys, layer.values) for layer in past_key_values.layers]
    else:
        pairs = [(kv[0], kv[1]) for kv in past_key_values]
    if len(pairs) != num_layers:
        raise ModelError(
            f"past_key_values has {len(pairs)} layers but the model has {num_layers}"
        )
    return pairs


def check_prefix_shape(prefix: PrefixKV, batch: int, heads: int, head_size: int) -> None:
    """Prefix keys must be (B, heads, P, head_size), e.g. PEFT's token_dim = attention size."""
    keys = prefix[0]
    expected = (batch, heads, head_size)
    if keys.dim() != 4 or (keys.shape[0], keys.shape[1], keys.shape[3]) != expected:
        raise ModelError(
            f"prefix keys have shape {tuple(keys.shape)}, expected (batch={batch}, "
            f"heads={heads}, P, head_size={head_size})",
            hint="with attention_hidden_size != hidden_size, "
            "set PrefixTuningConfig(token_dim=attention_hidden_size)",
        )
