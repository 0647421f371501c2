"""A stable fingerprint of a tokenizer for run manifests."""

from __future__ import annotations

import hashlib
import json

from transformers import PreTrainedTokenizerBase


def tokenizer_hash(tok: PreTrainedTokenizerBase) -> str:
    """sha256 of the backend tokenizer JSON (fast) or the sorted vocab, plus special tokens.

    The JSON's "padding"/"truncation" entries are left out: encoding calls change them.
    """
    backend = getattr(tok, "backend_tokenizer", None)
    if backend is not None:
        spec = json.loads(backend.to_str())
        spec.pop("padding", None)
        spec.pop("truncation", None)
        payload = json.dumps(spec, sort_keys=True, ensure_ascii=False)
    else:
        payload = json.dumps(sorted(tok.get_vocab().items()), ensure_ascii=False)
    specials = json.dumps(tok.special_tokens_map, sort_keys=True, default=str)
    return hashlib.sha256((payload + "\n" + specials).encode("utf-8")).hexdigest()
