"""Attention kinds, looked up by ``attention_type``: mha, performer, lsh."""

from __future__ import annotations

from textbench.models.attention.base import Attention, PrefixKV
from textbench.models.attention.lsh import LSHAttention
from textbench.models.attention.mha import MultiHeadAttention
from textbench.models.attention.performer import PerformerAttention
from textbench.utils.registry import Registry

ATTENTION: Registry[type[Attention]] = Registry("attention")
ATTENTION.add("mha", MultiHeadAttention)
ATTENTION.add("performer", PerformerAttention)
ATTENTION.add("lsh", LSHAttention)

__all__ = [
    "ATTENTION",
    "Attention",
    "LSHAttention",
    "MultiHeadAttention",
    "PerformerAttention",
    "PrefixKV",
]
