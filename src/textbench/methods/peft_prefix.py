"""Prefix tuning's PEFT model: the prefix handed over as ``cache``, checks, and reloads.

The model (or its backbone) must take a key/value cache: ``cache`` in transformers 5.24
and later, ``past_key_values`` before (BERT-like encoders, Llama-like decoders, our models
with ``attention_type: mha``). PEFT 0.21 looks only for ``past_key_values``, so for models
that name ``cache`` the prefix is handed over here, as the filled cache object PEFT builds.
"""

from __future__ import annotations

import functools
import inspect

import torch
import transformers
from torch import nn

from textbench.errors import ModelError
from textbench.methods.model_parts import model_type


@torch.no_grad()
def fold_projection(model: nn.Module, adapter_name: str = "default") -> None:
    """Replace the prefix MLP by the table of prefixes it produces (what PEFT saves anyway)."""
    enc = model.prompt_encoder[adapter_name]
    if not getattr(enc, "prefix_projection", False) or not hasattr(enc, "transform"):
        return
    table = model.get_prompt_embedding_to_save(adapter_name)  # (P, layers * 2 * token_dim)
    old = enc.embedding.weight
    enc.embedding = nn.Embedding(*table.shape).to(device=old.device, dtype=old.dtype)
    enc.embedding.weight.copy_(table)
    del enc.transform
    enc.prefix_projection = False


def _fold_before_load(model: nn.Module, adapter_name: str, is_trainable: bool) -> None:
    enc = model.prompt_encoder[adapter_name] if adapter_name in model.prompt_encoder else None
    if enc is not None and getattr(enc, "prefix_projection", False):
        if is_trainable:
            raise ModelError(
                "cannot resume prefix tuning with method.prefix_projection: true (checkpoints keep only"
                " the projected prefixes); start the run again, or use prefix_projection: false"
            )
        fold_projection(model, adapter_name)


CACHE_ARGUMENTS = ("cache", "past_key_values")  # transformers >= 5.24 names it `cache`


def cache_argument(model: nn.Module) -> str | None:
    """The keyword under which ``model`` or its backbone takes a key/value cache, if any."""
    backbone = getattr(model, "base_model", model)  # PEFT falls back to it (e.g. BERT's `bert`)
    for module in (model, backbone):
        params = inspect.signature(module.forward).parameters
        for name in CACHE_ARGUMENTS:
            if name in params:
                return name
    return None


@functools.cache
def prefix_tuning_class(base: type) -> type:
    """``base`` (PEFT's model class) that hands its prefix over as ``cache`` where the model names it,
    and reloads its own checkpoints with ``prefix_projection`` on.

    PEFT checkpoints hold the projected prefixes only, so ``Trainer``'s
    ``load_best_model_at_end`` (which calls ``load_adapter``) failed on the live model's
    MLP-shaped encoder (peft issue 2256). Here the live MLP is folded into a table first.
    """

    def load_adapter(self: nn.Module, model_id: str, adapter_name: str, *args: object, **kwargs: object) -> object:
        _fold_before_load(self, adapter_name, bool(kwargs.get("is_trainable")))
        return base.load_adapter(self, model_id, adapter_name, *args, **kwargs)

    def _prefix_tuning_forward(self: nn.Module, input_ids: torch.Tensor | None = None,
                               inputs_embeds: torch.Tensor | None = None, **kwargs: object) -> object:
        if cache_argument(self.base_model) != "cache":
            return base._prefix_tuning_forward(self, input_ids=input_ids, inputs_embeds=inputs_embeds, **kwargs)
        batch = (input_ids if input_ids is not None else inputs_embeds).shape[0]
        # PEFT's get_prompt returns a DynamicCache holding every layer's prefix keys and values;
        # the sequence classifier passes `cache` on to its backbone (its own head and loss apply).
        return self.base_model(input_ids=input_ids, inputs_embeds=inputs_embeds, cache=self.get_prompt(batch), **kwargs)

    members = {"load_adapter": load_adapter, "_prefix_tuning_forward": _prefix_tuning_forward, "__module__": __name__}
    return type("PrefixTuning" + base.__name__, (base,), members)


def with_prefix_forward(peft_model: nn.Module) -> nn.Module:
    """A reloaded PEFT model, with textbench's prefix hand-over if it is a prefix-tuning model."""
    from peft import PeftType

    if peft_model.active_peft_config.peft_type == PeftType.PREFIX_TUNING:
        peft_model.__class__ = prefix_tuning_class(type(peft_model))
    return peft_model


def check_can_take_prefix(model: nn.Module) -> None:
    config = model.config
    if config.model_type == "textbench" and config.attention_type != "mha":
        raise ModelError(
            f"method.name: prefix tuning needs attention_type mha; this model uses {config.attention_type}"
        )
    if getattr(config, "is_encoder_decoder", False):
        raise ModelError(f"method.name: prefix tuning of encoder-decoder models ({model_type(model)}) is not supported")
    if cache_argument(model) is None:
        raise ModelError(
            f"method.name: {model_type(model)} cannot take a prefix (transformers {transformers.__version__}:"
            " its forward takes neither `cache` nor `past_key_values`); use lora instead"
        )


def dry_run(peft_model: nn.Module) -> None:
    """One tiny forward pass so an incompatible model fails now with a clear message.

    The (random) prefix must change the logits: a model that accepts the cache argument but
    ignores it would otherwise train only its head, silently.
    """
    was_training = peft_model.training
    peft_model.eval()
    device = next(peft_model.parameters()).device
    ids = torch.ones(1, 2, dtype=torch.long, device=device)
    name = f"{model_type(peft_model.base_model)} (transformers {transformers.__version__})"
    try:
        with torch.no_grad():
            with_prefix = peft_model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
            without = peft_model.base_model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
    except Exception as e:  # noqa: BLE001 - any failure means the model cannot take a prefix
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelError(f"method.name: prefix tuning does not work with {name}: {first}; use lora instead") from None
    finally:
        peft_model.train(was_training)
    if torch.allclose(with_prefix, without):
        raise ModelError(f"method.name: prefix tuning does not reach the attention of {name}; use lora instead")
