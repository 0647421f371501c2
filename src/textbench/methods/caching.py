"""Compute the frozen part of a model once, so each epoch runs only what trains.

``method.cache_frozen`` (on by default) for the methods with a frozen part
(``MethodSpec.frozen_part``):

- ``linear_probe``: the head's input (BERT's pooled output, our models' pooled vector,
  a decoder's last non-padding token state, ...) is captured once per example;
  training runs the head alone on these vectors (`HeadOnFeatures`).
- ``freeze``: the output of the last frozen layer is captured once per example (its
  real tokens only); training runs the model with the frozen layers replaced by
  that output (`TopLayersOnCache`): top layers, final norm, pooling, head.

The frozen part runs once in eval mode: no dropout there (nor performer feature
redraws), where the uncached path runs it in train mode every step. Everything
else is the run's own: the same Trainer and arguments, optimiser groups, schedule,
seeds, length-grouped batch order, early stopping and best checkpoint. The trained
modules are the model's own objects, so the full model is complete after training;
it is what gets measured on the test texts and saved.

Before training, the cached path must reproduce the full model's logits on
validation texts; if it does not, or the model's layout is not understood, or the
cache would be too large, the run trains the usual way and the manifest says why.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
from torch import nn

from textbench.methods.config import MethodConfig
from textbench.methods.model_parts import head_names, is_last_token_classifier, layer_stack
from textbench.methods.cached_models import HeadOnFeatures, TopLayersOnCache
from textbench.methods.saving import _is_peft

SPLITS = ("train", "validation", "test")
TOKEN_KEYS = ("input_ids", "attention_mask", "token_type_ids")
MAX_CACHE_BYTES = 4 * 2**30  # beyond this the frozen part runs every step (and the manifest says so)


class CacheUnsupported(Exception):
    """Why this model/method cannot use the cache (recorded in the manifest)."""


@dataclass
class FrozenCache:
    """What `build_frozen_cache` decided; ``model`` trains on ``splits`` with ``collator`` when used."""

    used: bool
    detail: str  # what was cached, or why nothing was
    model: nn.Module | None = None
    splits: dict[str, "CachedSplit"] = field(default_factory=dict)
    collator: Callable[[list[dict[str, Any]]], dict[str, torch.Tensor]] | None = None
    seconds: float = 0.0
    nbytes: int = 0

    def manifest(self) -> dict[str, Any]:
        return {"frozen_cache": self.used, "frozen_cache_detail": self.detail}

    def trainer_inputs(self, model: nn.Module, tokenized: Any, collator: Any) -> dict[str, Any]:
        """Trainer keyword arguments: the cached ones when used, else ``model`` on ``tokenized``."""
        if not self.used:
            return {"model": model, "train_dataset": tokenized["train"], "eval_dataset": tokenized["validation"],
                    "data_collator": collator}
        return {"model": self.model, "train_dataset": self.splits["train"],
                "eval_dataset": self.splits["validation"], "data_collator": self.collator}

    def cost(self, test_probs: np.ndarray | None = None, batch_size: int = 64) -> dict[str, Any]:
        """Cache time and size; with the full model's test probabilities, their largest difference
        from the trained modules' on the cached test split (the saved model is the trained one)."""
        if not self.used:
            return {}
        out: dict[str, Any] = {"frozen_cache_seconds": round(self.seconds, 2),
                               "frozen_cache_megabytes": round(self.nbytes / 2**20, 1)}
        if test_probs is not None:
            diff = float(np.abs(self.probabilities("test", batch_size) - test_probs).max())
            out["frozen_cache_test_max_abs_diff"] = diff
        return out

    @torch.no_grad()
    def probabilities(self, split: str = "test", batch_size: int = 64) -> np.ndarray:
        """(N, C) probabilities of the trained modules on the cached ``split``, in its order."""
        assert self.model is not None and self.collator is not None
        data = self.splits[split]
        device = next(self.model.parameters()).device
        was_training = self.model.training
        self.model.eval()
        out = []
        multi_label = len(data) > 0 and isinstance(data[0].get("labels"), (list, tuple))  # K floats per row
        for s in range(0, len(data), batch_size):
            batch = self.collator([data[i] for i in range(s, min(s + batch_size, len(data)))])
            batch = {k: v.to(device) for k, v in batch.items() if k != "labels"}
            logits = self.model(**batch).logits.float()  # (B, C)
            out.append((torch.sigmoid(logits) if multi_label else torch.softmax(logits, dim=-1)).cpu())
        self.model.train(was_training)
        return torch.cat(out).numpy()


class CachedSplit(torch.utils.data.Dataset):
    """One split: token ids (for length-grouped batches), label and the cached tensor per example."""

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.rows[i]


class FeatureCollator:
    """Stack cached head inputs: ``features`` (B, h), ``labels`` (B,)."""

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        batch = {"features": torch.stack([it["features"] for it in items])}
        if "labels" in items[0]:
            batch["labels"] = torch.tensor([it["labels"] for it in items])
        return batch


class StatesCollator:
    """Pad token ids as the tokenizer does, and the cached states (T_i, h) to (B, T, h) on the same side."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer

    def __call__(self, items: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        batch = dict(self.tokenizer.pad([{k: it[k] for k in TOKEN_KEYS if k in it} for it in items],
                                        return_tensors="pt"))
        T = batch["input_ids"].shape[1]
        states = [it["frozen_states"] for it in items]
        padded = states[0].new_zeros(len(states), T, states[0].shape[-1])  # (B, T, h)
        left = getattr(self.tokenizer, "padding_side", "right") == "left"
        for i, s in enumerate(states):
            if left:
                padded[i, T - len(s):] = s
            else:
                padded[i, : len(s)] = s
        batch["frozen_states"] = padded
        if "labels" in items[0]:
            batch["labels"] = torch.tensor([it["labels"] for it in items])
        return batch


class _Captured(Exception):
    """Raised by the capture hook: the rest of the forward pass is not needed."""


@dataclass
class _Plan:
    """How one method's frozen part is captured and what trains on it."""

    module: nn.Module  # where the cached tensor is taken
    before: bool  # its input (True) or its output (False)
    key: str  # the item key of the cached tensor
    rows: Callable[[torch.Tensor, dict[str, torch.Tensor]], list[torch.Tensor]]  # batch -> per-example tensors
    wrapper: Callable[[bool], nn.Module]  # as_tuple -> the module to train
    collator: Callable[[list[dict[str, Any]]], dict[str, torch.Tensor]]
    width: int  # per example: floats per vector (probe) or per token (freeze)
    per_token: bool
    describe: Callable[[], str]


def _last_token(input_ids: torch.Tensor, pad_id: int) -> torch.Tensor:
    """The rightmost non-padding position per row, as transformers' sequence classifiers pick it."""
    non_pad = (input_ids != pad_id).to(torch.int32)
    return (torch.arange(input_ids.shape[-1], device=input_ids.device, dtype=torch.int32) * non_pad).argmax(-1)


def _probe_plan(model: nn.Module, tokenizer: Any) -> _Plan:
    name = head_names(model)[-1]
    head = getattr(model, name)
    config = model.config
    width = int(getattr(head, "in_features", 0) or config.get_text_config().hidden_size)
    seen: dict[str, str] = {}

    def rows(x: torch.Tensor, batch: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        if x.dim() == 2:  # (B, h): pooled, as the model feeds its head
            seen["how"] = "the pooled vector the model feeds it"
        elif x.dim() == 3 and is_last_token_classifier(model):  # (B, T, h), scored per token, last one kept
            pad_id = config.get_text_config().pad_token_id
            x = x[torch.arange(x.shape[0], device=x.device), _last_token(batch["input_ids"], pad_id)]
            seen["how"] = "the last non-padding token's final hidden state"
        elif x.dim() == 3 and getattr(head, "first_token", False):  # our ProbeHead takes position 0 itself
            x = x[:, 0]
            seen["how"] = "the first token's final hidden state"
        else:
            raise CacheUnsupported(f"the head {name!r} takes a {tuple(x.shape)} input this cache does not know")
        return list(x.detach().cpu().unbind(0))  # (h,) each

    dropout = getattr(model, "dropout", None)
    return _Plan(
        module=head, before=True, key="features", rows=rows,
        wrapper=lambda as_tuple: HeadOnFeatures(model, name, dropout if isinstance(dropout, nn.Dropout) else None),
        collator=FeatureCollator(), width=width, per_token=False,
        describe=lambda: f"input of the head `{name}` ({seen.get('how', '?')})",
    )


def _freeze_plan(model: nn.Module, tokenizer: Any) -> _Plan:
    stack = layer_stack(model)
    trains = {stack.index(n) for n, p in model.named_parameters() if p.requires_grad} - {None}
    frozen = min(trains) if trains else stack.num_layers  # the blocks below the first that trains
    if frozen < 1:
        raise CacheUnsupported("every layer trains; only the embeddings are frozen")
    seen_stack = False
    for n, p in model.named_parameters():  # registration order: embeddings, blocks, then norm/pooler/head
        idx = stack.index(n)
        seen_stack = seen_stack or idx is not None
        below = idx < frozen if idx is not None else not seen_stack
        if below and p.requires_grad:
            raise CacheUnsupported(f"{n} trains but lies below the cached layers")
    layers = model.get_submodule(stack.prefix)
    left = getattr(tokenizer, "padding_side", "right") == "left"

    def rows(x: torch.Tensor, batch: dict[str, torch.Tensor]) -> list[torch.Tensor]:
        lengths = batch["attention_mask"].sum(dim=1).tolist()
        T = x.shape[1]
        x = x.detach().cpu()
        return [(x[i, T - n:] if left else x[i, :n]).clone() for i, n in enumerate(lengths)]  # (T_i, h)

    return _Plan(
        module=layers[frozen - 1], before=False, key="frozen_states", rows=rows,
        wrapper=lambda as_tuple: TopLayersOnCache(model, stack.prefix, frozen, as_tuple),
        collator=StatesCollator(tokenizer), width=int(model.config.get_text_config().hidden_size), per_token=True,
        describe=lambda: f"output of layer {frozen - 1} of `{stack.prefix}` (embeddings + {frozen} frozen layers)",
    )


@torch.no_grad()
def _frozen_pass(model: nn.Module, plan: _Plan, columns: dict[str, list], tokenizer: Any, batch_size: int,
                 bf16: bool) -> tuple[list[torch.Tensor], bool]:
    """Per-example cached tensors in the split's order (batches sorted by length), and the output format."""
    ids = columns["input_ids"]
    order = np.argsort([len(x) for x in ids], kind="stable")
    out: list[torch.Tensor | None] = [None] * len(ids)
    got: dict[str, Any] = {}

    def grab(x: Any) -> None:
        got["tuple"] = isinstance(x, tuple)
        got["x"] = x[0] if isinstance(x, tuple) else x
        raise _Captured

    if plan.before:
        handle = plan.module.register_forward_pre_hook(
            lambda m, args, kwargs: grab(args[0] if args else next(iter(kwargs.values()))), with_kwargs=True)
    else:
        handle = plan.module.register_forward_hook(lambda m, args, output: grab(output))
    device = next(model.parameters()).device
    keys = [k for k in TOKEN_KEYS if k in columns]
    try:
        autocast = torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16)
        for s in range(0, len(ids), batch_size):
            idx = order[s : s + batch_size]
            batch = tokenizer.pad({k: [columns[k][i] for i in idx] for k in keys}, return_tensors="pt")
            batch = {k: v.to(device) for k, v in batch.items() if k in keys}
            got.clear()
            try:
                with autocast:
                    model(**batch)
            except _Captured:
                pass
            if "x" not in got:
                raise CacheUnsupported(f"{type(plan.module).__name__} was not called in the forward pass")
            for i, row in zip(idx, plan.rows(got["x"], batch)):
                out[i] = row
    finally:
        handle.remove()
    return out, bool(got.get("tuple"))  # type: ignore[return-value]


def _estimate_bytes(plan: _Plan, lengths: int, examples: int) -> int:
    return 4 * plan.width * (lengths if plan.per_token else examples)


@torch.no_grad()
def _verify(model: nn.Module, wrapper: nn.Module, plan: _Plan, split: CachedSplit, tokenizer: Any,
            bf16: bool, n: int = 16) -> None:
    """The cached path must give the full model's logits (eval mode) on the first ``n`` examples."""
    items = [split[i] for i in range(min(n, len(split)))]
    device = next(model.parameters()).device
    ref_in = tokenizer.pad([{k: it[k] for k in TOKEN_KEYS if k in it} for it in items], return_tensors="pt")
    cached = plan.collator(items)
    cached.pop("labels", None)
    autocast = torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16)
    wrapper.eval()
    try:
        with autocast:
            ref = model(**{k: v.to(device) for k, v in ref_in.items() if k in TOKEN_KEYS}).logits.float()
            got = wrapper(**{k: v.to(device) for k, v in cached.items()}).logits.float()
    except Exception as e:  # noqa: BLE001 - any failure means this model's layout is not understood
        raise CacheUnsupported(f"the cached path fails on this model ({type(e).__name__}: {e})") from None
    atol, rtol = (5e-2, 5e-2) if bf16 else (1e-4, 1e-4)
    if got.shape != ref.shape or not torch.allclose(got, ref, atol=atol, rtol=rtol):
        diff = (got - ref).abs().max().item() if got.shape == ref.shape else float("nan")
        raise CacheUnsupported(f"the cached path does not reproduce the model's logits (max difference {diff:.2e})")


def build_frozen_cache(
    model: nn.Module,
    method: MethodConfig,
    tokenized: Any,
    tokenizer: Any,
    *,
    batch_size: int = 64,
    device: torch.device | str | None = None,
    bf16: bool = False,
    max_bytes: int = MAX_CACHE_BYTES,
) -> FrozenCache:
    """Run the frozen part of ``model`` once over ``tokenized`` (train/validation/test), if it has one.

    Returns ``FrozenCache(used=False, detail=why)`` for methods without a frozen bottom,
    with ``method.cache_frozen: false``, and when the cache cannot stand in for the
    model (see the module docstring); the model is then left as it was.
    """
    frozen_part = method.spec.frozen_part
    if frozen_part is None:
        return FrozenCache(False, f"method {method.name} has no frozen part to cache")
    if not method.settings.cache_frozen:  # every method with a frozen part has the setting
        return FrozenCache(False, "off (method.cache_frozen: false): the frozen part runs every step")
    if _is_peft(model):
        return FrozenCache(False, "not cached: a PEFT-wrapped model; the frozen part runs every step")
    start = time.perf_counter()
    was_training = model.training
    if device is not None:
        model.to(device)
    model.eval()
    try:
        plan = _probe_plan(model, tokenizer) if frozen_part == "head_input" else _freeze_plan(model, tokenizer)
        present = [s for s in SPLITS if s in tokenized]  # a tuning trial has no test split
        columns = {s: tokenized[s].to_dict() for s in present}
        tokens = sum(len(x) for s in present for x in columns[s]["input_ids"])
        examples = sum(len(columns[s]["input_ids"]) for s in present)
        need = _estimate_bytes(plan, tokens, examples)
        if need > max_bytes:
            raise CacheUnsupported(f"it would take {need / 2**30:.1f} GiB (limit {max_bytes / 2**30:.1f} GiB)")
        splits: dict[str, CachedSplit] = {}
        as_tuple = False
        nbytes = 0
        for s in present:
            cached, as_tuple = _frozen_pass(model, plan, columns[s], tokenizer, batch_size, bf16)
            nbytes += sum(t.numel() * t.element_size() for t in cached)
            splits[s] = CachedSplit([
                {**{k: columns[s][k][i] for k in TOKEN_KEYS if k in columns[s]},
                 "labels": columns[s]["label"][i], plan.key: cached[i]}
                for i in range(len(cached))
            ])
        wrapper = plan.wrapper(as_tuple)
        _verify(model, wrapper, plan, splits["validation"], tokenizer, bf16)
    except CacheUnsupported as e:
        return FrozenCache(False, f"not cached: {e}; the frozen part runs every step")
    finally:
        model.train(was_training)
    counts = "/".join(str(len(splits[s])) for s in splits)
    detail = (f"{plan.describe()}, computed once in eval mode for {'/'.join(splits)} ({counts} examples,"
              f" {nbytes / 2**20:.1f} MiB)")
    return FrozenCache(True, detail, wrapper, splits, plan.collator, time.perf_counter() - start, nbytes)
