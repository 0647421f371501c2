"""`TextbenchConfig`: the shape and parts of a from-scratch transformer (HF-native)."""

from __future__ import annotations

import math
from typing import Any

from transformers import PretrainedConfig

from textbench.errors import ConfigError

KINDS = ("encoder", "decoder")
NORM_POSITIONS = ("pre", "post")
PERFORMER_KERNELS = ("exp", "relu", "elu")


class TextbenchConfig(PretrainedConfig):
    """Configuration of the textbench transformer family.

    Swappable parts are named by strings looked up in registries:
    ``attention_type`` (mha | performer | lsh), ``position_embedding_type``
    (learned | sinusoidal | rope), ``pooling`` (cls | mean | max | min | last)
    and ``classifier_head`` (bert | roberta | mlp | none). Invalid values raise
    `ConfigError` naming the setting, at construction and in `validate()`.

    LoRA target names: ``q_proj``/``k_proj``/``v_proj``/``out_proj`` for mha and
    performer; lsh shares queries and keys, so it has ``qk_proj``, ``v_proj``,
    ``out_proj``. MLPs have ``fc1``/``fc2`` everywhere.
    """

    model_type = "textbench"

    kind: str = "encoder"  # encoder (bidirectional) or decoder (causal)
    vocab_size: int = 30522
    hidden_size: int = 256  # width
    num_hidden_layers: int = 4  # depth
    num_attention_heads: int = 4  # heads per attention layer (must divide the width)
    intermediate_size: int = 1024  # feed-forward width
    max_position_embeddings: int = 512  # longest input (default in runs: max(tokenizer.max_length, 128))
    attention_hidden_size: int | None = None  # None: hidden_size
    hidden_dropout_prob: float = 0.1  # dropout after attention and feed-forward
    attention_probs_dropout_prob: float = 0.1  # dropout on attention weights
    embedding_dropout_prob: float = 0.1  # dropout on the embeddings
    classifier_dropout: float | None = None  # None: hidden_dropout_prob
    hidden_act: str = "gelu"  # feed-forward activation
    norm_position: str = "pre"  # layer norm before (pre) or after (post) each block
    layer_norm_eps: float = 1e-5  # layer-norm epsilon
    use_bias: bool = True  # biases in linear layers
    initializer_range: float = 0.02  # std of the initial weights
    attention_type: str = "mha"  # mha | performer (FAVOR+) | lsh (Reformer)
    position_embedding_type: str = "learned"  # learned | sinusoidal | rope
    rope_theta: float = 10000.0
    rope_scaling_factor: float = 1.0
    pooling: str = "cls"  # cls | mean | max | min | last
    classifier_head: str = "bert"  # bert | roberta | mlp | none
    tie_word_embeddings: bool = True  # language-model head shares the input embeddings
    pad_token_id: int | None = 0
    bos_token_id: int | None = None
    eos_token_id: int | None = None
    # performer (FAVOR+)
    performer_num_features: int | None = None  # None: head_size * ln(head_size)
    performer_redraw_interval: int = 1000
    performer_kernel: str = "exp"
    performer_orthogonal: bool = True
    performer_eps: float = 1e-6
    performer_stabilize: bool = True
    # lsh (Reformer)
    lsh_num_hashes: int = 2
    lsh_bucket_size: int = 32
    lsh_num_buckets: int | None = None  # None: ~max_position_embeddings / lsh_bucket_size, even
    lsh_mask_across_buckets: bool = False
    lsh_attend_to_neighbors: bool = True
    lsh_allow_self_attention: bool = False  # True only for reference checks (Reformer masks self)

    def __post_init__(self, **kwargs: Any) -> None:
        super().__post_init__(**kwargs)
        self.validate()

    # ---- derived sizes -------------------------------------------------
    @property
    def attention_size(self) -> int:
        """Width of the attention projections (``attention_hidden_size`` or ``hidden_size``)."""
        return self.attention_hidden_size or self.hidden_size

    @property
    def head_size(self) -> int:
        return self.attention_size // self.num_attention_heads

    @property
    def num_features(self) -> int:
        """Performer random features (default ``head_size * ln(head_size)``, as in the paper)."""
        if self.performer_num_features is not None:
            return self.performer_num_features
        d = self.head_size
        return max(2, int(d * math.log(d))) if d > 1 else 2

    @property
    def num_buckets(self) -> int:
        """LSH buckets (default: about one per chunk of ``max_position_embeddings``, even, >= 2)."""
        if self.lsh_num_buckets is not None:
            return self.lsh_num_buckets
        n = max(2, self.max_position_embeddings // self.lsh_bucket_size)
        return n + (n % 2)

    # ---- validation ----------------------------------------------------
    def validate(self) -> None:
        """Check every textbench setting; raise `ConfigError` naming the first bad one."""
        from textbench.models.attention import ATTENTION
        from textbench.models.heads import HEADS
        from textbench.models.pooling import POOLING
        from textbench.models.positions import POSITIONS

        _choice(self, "kind", KINDS)
        _choice(self, "norm_position", NORM_POSITIONS)
        _choice(self, "performer_kernel", PERFORMER_KERNELS)
        ATTENTION.get(self.attention_type, setting="attention_type")
        POSITIONS.get(self.position_embedding_type, setting="position_embedding_type")
        POOLING.get(self.pooling, setting="pooling")
        HEADS.get(self.classifier_head, setting="classifier_head")
        from transformers.activations import ACT2FN

        if self.hidden_act not in ACT2FN:
            raise ConfigError(
                f"unknown hidden_act {self.hidden_act!r}; known: {', '.join(sorted(ACT2FN))}"
            )
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
                     "intermediate_size", "max_position_embeddings", "lsh_num_hashes",
                     "lsh_bucket_size"):
            _positive_int(self, name)
        for name in ("attention_hidden_size", "performer_num_features", "lsh_num_buckets"):
            if getattr(self, name) is not None:
                _positive_int(self, name)
        _int(self, "performer_redraw_interval", minimum=0)
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob", "embedding_dropout_prob",
                     "classifier_dropout"):
            _probability(self, name)
        for name in ("layer_norm_eps", "rope_theta", "rope_scaling_factor", "performer_eps",
                     "initializer_range"):
            _positive_float(self, name)
        self._validate_shapes()
        super().validate()  # transformers' own checks, once the types are known to be sane

    def _validate_shapes(self) -> None:
        if self.attention_size % self.num_attention_heads:
            name = "attention_hidden_size" if self.attention_hidden_size else "hidden_size"
            raise ConfigError(
                f"{name} ({self.attention_size}) must be divisible by "
                f"num_attention_heads ({self.num_attention_heads})"
            )
        if self.position_embedding_type == "rope" and self.head_size % 2:
            raise ConfigError(
                f"position_embedding_type 'rope' needs an even head size, got {self.head_size} "
                "(attention size / num_attention_heads)"
            )
        if self.lsh_bucket_size > self.max_position_embeddings:
            raise ConfigError(
                f"lsh_bucket_size ({self.lsh_bucket_size}) must not exceed "
                f"max_position_embeddings ({self.max_position_embeddings})"
            )
        if self.lsh_num_buckets is not None and self.lsh_num_buckets > 1 and self.lsh_num_buckets % 2:
            raise ConfigError(f"lsh_num_buckets must be 1 or even, got {self.lsh_num_buckets}")
        if self.pad_token_id is not None and not 0 <= self.pad_token_id < self.vocab_size:
            raise ConfigError(
                f"pad_token_id ({self.pad_token_id}) must lie in [0, vocab_size={self.vocab_size})"
            )


def _choice(cfg: TextbenchConfig, name: str, allowed: tuple[str, ...]) -> None:
    value = getattr(cfg, name)
    if value not in allowed:
        raise ConfigError(f"unknown {name} {value!r}; known: {', '.join(allowed)}")


def _int(cfg: TextbenchConfig, name: str, *, minimum: int) -> None:
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")


def _positive_int(cfg: TextbenchConfig, name: str) -> None:
    _int(cfg, name, minimum=1)


def _probability(cfg: TextbenchConfig, name: str) -> None:
    value = getattr(cfg, name)
    if value is None and name == "classifier_dropout":
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ConfigError(f"{name} must be a probability in [0, 1), got {value!r}")


def _positive_float(cfg: TextbenchConfig, name: str) -> None:
    value = getattr(cfg, name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise ConfigError(f"{name} must be a positive number, got {value!r}")


NOT_SETTABLE = ("num_labels", "id2label", "label2id", "vocab_size")  # textbench sets these from data/tokenizer


def check_architecture_keys(architecture: dict[str, Any], where: str = "model.architecture") -> None:
    """Refuse keys that TextbenchConfig does not have, or that textbench sets itself."""
    known = set(TextbenchConfig().to_dict())
    for key in architecture:
        if key not in known or key in NOT_SETTABLE:
            raise ConfigError(f"{where}.{key}: unknown or not settable here; see TextbenchConfig for the settings")
