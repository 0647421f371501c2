"""Masked (or causal) language-model pretraining of from-scratch models, and transfer to classification."""

from textbench.pretraining.config import MLMConfig, PretrainConfig, load_pretrain_config

__all__ = ["MLMConfig", "PretrainConfig", "load_pretrain_config"]
