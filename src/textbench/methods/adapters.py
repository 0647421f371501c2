"""The wider PEFT adapter family: IA3, LoHa, LoKr, VeRA, OFT, BOFT, and ``peft`` (any PEFT config).

Each adapts the same layers as LoRA by default (the attention projections; see
methods/lora.py), trains its head in full, saves as a PEFT adapter and reloads with the
same probabilities. ``method: {name: peft, config: {peft_type: LOHA, r: 4}}`` takes any
PEFT config mapping for the adapter types without a name here; prompt-learning types
(prefix, prompt and p-tuning) are refused there: ``method.name: prefix`` is the one that
works with current transformers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from textbench.errors import ConfigError
from textbench.methods.registry import MethodSpec, register_method

if TYPE_CHECKING:
    from torch import nn

PROMPT_LEARNING = ("PROMPT_TUNING", "MULTITASK_PROMPT_TUNING", "P_TUNING", "PREFIX_TUNING", "ADAPTION_PROMPT", "CPT")


def _check_dropout(where: str, name: str, value: float) -> None:
    if not 0 <= value < 1:
        raise ConfigError(f"{where}.{name}: must be in [0, 1), got {value}")


def _check_rank(where: str, r: int, alpha: float | None = None) -> None:
    if r < 1:
        raise ConfigError(f"{where}.r: rank must be >= 1, got {r}")
    if alpha is not None and alpha <= 0:
        raise ConfigError(f"{where}.alpha: must be > 0, got {alpha}")


@dataclass
class Ia3Settings:
    target_modules: list[str] | None = None  # layers whose activations are rescaled (None = attention projections)
    feedforward_modules: list[str] = field(default_factory=list)  # of those, the ones scaled at their input

    def validate(self, where: str) -> None:
        extra = set(self.feedforward_modules) - set(self.target_modules or self.feedforward_modules)
        if self.target_modules is not None and extra:
            raise ConfigError(f"{where}.feedforward_modules: {sorted(extra)} are not in target_modules")


def apply_ia3(model: "nn.Module", cfg: Ia3Settings) -> "nn.Module":
    from peft import IA3Config

    from textbench.methods.peft_wrap import targets_for, wrap

    targets = targets_for(model, cfg.target_modules)
    ff = list(cfg.feedforward_modules)
    return wrap(model, IA3Config(target_modules=targets + [m for m in ff if m not in targets], feedforward_modules=ff))


@dataclass
class HadamardSettings:
    """LoHa (Hadamard product of two low-rank pairs) and LoKr (Kronecker product)."""

    r: int = 8  # rank
    alpha: float = 16.0  # scaling: alpha / r
    rank_dropout: float = 0.0  # drops rank components while training
    module_dropout: float = 0.0  # drops the whole update of a layer while training
    target_modules: list[str] | None = None  # None = the attention projections

    def validate(self, where: str) -> None:
        _check_rank(where, self.r, self.alpha)
        _check_dropout(where, "rank_dropout", self.rank_dropout)
        _check_dropout(where, "module_dropout", self.module_dropout)


def apply_loha(model: "nn.Module", cfg: HadamardSettings) -> "nn.Module":
    from peft import LoHaConfig

    from textbench.methods.peft_wrap import targets_for, wrap

    return wrap(model, LoHaConfig(r=cfg.r, alpha=cfg.alpha, rank_dropout=cfg.rank_dropout,
                                  module_dropout=cfg.module_dropout, target_modules=targets_for(model, cfg.target_modules)))


def apply_lokr(model: "nn.Module", cfg: HadamardSettings) -> "nn.Module":
    from peft import LoKrConfig

    from textbench.methods.peft_wrap import targets_for, wrap

    return wrap(model, LoKrConfig(r=cfg.r, alpha=cfg.alpha, rank_dropout=cfg.rank_dropout,
                                  module_dropout=cfg.module_dropout, target_modules=targets_for(model, cfg.target_modules)))


@dataclass
class VeraSettings:
    r: int = 256  # rank of the shared random projections (frozen; only per-layer scaling vectors train)
    dropout: float = 0.0
    d_initial: float = 0.1  # initial value of the scaling vector d
    projection_seed: int = 0  # seed of the shared random projections (saved with the adapter)
    target_modules: list[str] | None = None  # None = the attention projections

    def validate(self, where: str) -> None:
        _check_rank(where, self.r)
        _check_dropout(where, "dropout", self.dropout)


def apply_vera(model: "nn.Module", cfg: VeraSettings) -> "nn.Module":
    from peft import VeraConfig

    from textbench.methods.peft_wrap import targets_for, wrap

    return wrap(model, VeraConfig(r=cfg.r, vera_dropout=cfg.dropout, d_initial=cfg.d_initial,
                                  projection_prng_key=cfg.projection_seed, save_projection=True,
                                  target_modules=targets_for(model, cfg.target_modules)))


@dataclass
class OftSettings:
    block_size: int = 32  # orthogonal blocks of this size (must divide the adapted layers' input width)
    dropout: float = 0.0  # drops whole blocks while training
    target_modules: list[str] | None = None  # None = the attention projections

    def validate(self, where: str) -> None:
        if self.block_size < 1:
            raise ConfigError(f"{where}.block_size: must be >= 1, got {self.block_size}")
        _check_dropout(where, "dropout", self.dropout)


def _check_blocks(model: "nn.Module", targets: list[str], block: int) -> None:
    """Orthogonal blocks must tile each adapted layer's input (PEFT would quietly pick another size)."""
    from torch import nn

    widths = {m.in_features for name, m in model.named_modules()
              if isinstance(m, nn.Linear) and any(name == t or name.endswith("." + t) for t in targets)}
    bad = sorted(w for w in widths if w % block)
    if bad:
        raise ConfigError(f"method.block_size: {block} does not divide the input width {bad[0]} of the adapted"
                          f" layers ({', '.join(targets)}); pick a divisor of {bad[0]}")


def apply_oft(model: "nn.Module", cfg: OftSettings) -> "nn.Module":
    from peft import OFTConfig

    from textbench.methods.peft_wrap import targets_for, wrap

    targets = targets_for(model, cfg.target_modules)
    _check_blocks(model, targets, cfg.block_size)
    return wrap(model, OFTConfig(r=0, oft_block_size=cfg.block_size, module_dropout=cfg.dropout,
                                 target_modules=targets))


@dataclass
class BoftSettings:
    block_size: int = 4  # butterfly blocks of this size (must divide the adapted layers' input width)
    butterfly_factor: int = 1  # butterfly factors (1 = block-diagonal, like OFT; PEFT uses 1 without its CUDA kernel)
    dropout: float = 0.0
    target_modules: list[str] | None = None  # None = the attention projections

    def validate(self, where: str) -> None:
        if self.block_size < 1 or self.butterfly_factor < 1:
            raise ConfigError(f"{where}: block_size and butterfly_factor must be >= 1")
        _check_dropout(where, "dropout", self.dropout)


def apply_boft(model: "nn.Module", cfg: BoftSettings) -> "nn.Module":
    from peft import BOFTConfig

    from textbench.methods.peft_wrap import targets_for, wrap

    targets = targets_for(model, cfg.target_modules)
    _check_blocks(model, targets, cfg.block_size)
    return wrap(model, BOFTConfig(boft_block_size=cfg.block_size, boft_n_butterfly_factor=cfg.butterfly_factor,
                                  boft_dropout=cfg.dropout, target_modules=targets))


@dataclass
class PeftSettings:
    config: dict[str, Any] = field(default_factory=dict)  # a PEFT config mapping, e.g. {peft_type: LOHA, r: 4}

    def validate(self, where: str) -> None:
        from peft.utils import PeftType

        kind = self.config.get("peft_type")
        known = [p.value for p in PeftType]
        adapters = ", ".join(k for k in known if k not in PROMPT_LEARNING)
        if kind is None:
            raise ConfigError(f"{where}.config.peft_type: required, an adapter type of PEFT: {adapters}")
        if str(kind).upper() not in known:
            raise ConfigError(f"{where}.config.peft_type: unknown {kind!r}; PEFT's adapter types: {adapters}")
        if str(kind).upper() in PROMPT_LEARNING:
            raise ConfigError(f"{where}.config.peft_type: {kind} is prompt learning; use method.name: prefix")
        if "task_type" in self.config:
            raise ConfigError(f"{where}.config.task_type: set by textbench (sequence classification); remove it")


def apply_peft(model: "nn.Module", cfg: PeftSettings) -> "nn.Module":
    from peft import PEFT_TYPE_TO_CONFIG_MAPPING

    from textbench.methods.peft_wrap import targets_for, wrap

    raw = dict(cfg.config)
    kind = str(raw.pop("peft_type")).upper()
    config_cls = PEFT_TYPE_TO_CONFIG_MAPPING[kind]
    if "target_modules" in config_cls.__dataclass_fields__:
        raw["target_modules"] = targets_for(model, raw.get("target_modules"))
    try:
        peft_config = config_cls(**raw)
    except TypeError as e:
        raise ConfigError(f"method.config: {config_cls.__name__} does not take these keys: {e}") from None
    except ValueError as e:
        raise ConfigError(f"method.config: {config_cls.__name__}: {str(e).strip().splitlines()[0]}") from None
    return wrap(model, peft_config)


def _targets(s: Any) -> str:
    return f" on {', '.join(s.target_modules)}" if getattr(s, "target_modules", None) else ""


for _spec in (
    MethodSpec(name="ia3", settings=Ia3Settings, apply=apply_ia3, describe=lambda s: "IA3" + _targets(s),
               summary="learned rescaling vectors on the attention projections (IA3, PEFT); the head trains in full",
               learning_rates=(1e-3, 3e-2)),
    MethodSpec(name="loha", settings=HadamardSettings, apply=apply_loha,
               describe=lambda s: f"LoHa r={s.r}, alpha={s.alpha:g}",
               summary="low-rank Hadamard-product updates (LoHa, PEFT); the head trains in full",
               search_space={"r": [4, 8, 16]}, learning_rates=(1e-4, 3e-3)),
    MethodSpec(name="lokr", settings=HadamardSettings, apply=apply_lokr,
               describe=lambda s: f"LoKr r={s.r}, alpha={s.alpha:g}",
               summary="low-rank Kronecker-product updates (LoKr, PEFT); the head trains in full",
               search_space={"r": [4, 8, 16]}, learning_rates=(1e-4, 3e-3)),
    MethodSpec(name="vera", settings=VeraSettings, apply=apply_vera, describe=lambda s: f"VeRA r={s.r}",
               summary="shared frozen random projections with trained scaling vectors (VeRA, PEFT); the head trains"
               " in full", search_space={"r": [64, 128, 256]}, learning_rates=(1e-3, 3e-2)),
    MethodSpec(name="oft", settings=OftSettings, apply=apply_oft, describe=lambda s: f"OFT blocks of {s.block_size}",
               summary="orthogonal block rotations of the adapted weights (OFT, PEFT); the head trains in full",
               learning_rates=(1e-4, 3e-3)),
    MethodSpec(name="boft", settings=BoftSettings, apply=apply_boft,
               describe=lambda s: f"BOFT blocks of {s.block_size}, {s.butterfly_factor} butterfly factor(s)",
               summary="butterfly-factorised orthogonal rotations (BOFT, PEFT); the head trains in full",
               learning_rates=(1e-4, 3e-3)),
    MethodSpec(name="peft", settings=PeftSettings, apply=apply_peft,
               describe=lambda s: f"PEFT {str(s.config.get('peft_type', '?')).upper()}",
               summary="any PEFT adapter from its config mapping (method.config); the head trains in full",
               learning_rates=(1e-4, 3e-3)),
):
    register_method(_spec)
