"""Save and reload trained models so predictions after reload equal those at the end of training.

Plain models (full, freeze, bitfit, linear_probe, merged LoRA) are saved with
``save_pretrained``; a probe's custom head is rebuilt on load from
``config.textbench_probe_head`` (see `textbench.methods.probe_head`).

PEFT runs (lora, dora, ia3, loha, lokr, vera, oft, boft, peft, prefix) save, in one folder:

- ``adapter_config.json`` + ``adapter_model.safetensors``: the adapter and the trained head;
- ``config.json``: the base model's config with this run's labels and pad token, so the
  base is rebuilt with the right head size (the classic bug: a head that comes back random);
- ``base_extra.safetensors``: base weights that the base checkpoint does not hold, such as
  newly initialised ones, or all of them for a from-scratch model;
- ``textbench_adapter.json``: where the base came from (a path, or a ``builtin:`` name).
"""

from __future__ import annotations

import contextlib
import copy
import json
import logging
from pathlib import Path
from typing import Any, Iterator

import torch
from torch import nn

from textbench.methods.config import MethodConfig
from textbench.errors import ModelError
from textbench.methods.peft_prefix import with_prefix_forward
from textbench.models.params import adapter_keys, is_adapter

log = logging.getLogger(__name__)

ADAPTER_INFO = "textbench_adapter.json"
BASE_EXTRA = "base_extra.safetensors"


def _is_peft(model: Any) -> bool:
    from peft import PeftModel

    return isinstance(model, PeftModel)


def save_trained_model(model: Any, out: Path, method: MethodConfig) -> None:
    """``save_pretrained`` (safetensors); PEFT models save the adapter plus trained head."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if not _is_peft(model):
        model.save_pretrained(out, safe_serialization=True)
        return
    if getattr(method.settings, "merge_adapter", False):  # LoRA's option
        merged = copy.deepcopy(model).merge_and_unload()  # the run's model stays as it is
        merged.save_pretrained(out, safe_serialization=True)
        return
    _save_adapter(model, out)


def _plain_base_state(peft_model: Any) -> dict[str, torch.Tensor]:
    """The base model's own weights under their plain names (no adapter layers, no head copies)."""
    heads = set(getattr(peft_model.active_peft_config, "modules_to_save", None) or [])
    keys = adapter_keys(peft_model)
    state: dict[str, torch.Tensor] = {}
    for name, t in peft_model.get_base_model().state_dict().items():
        if is_adapter(name, keys) or "modules_to_save" in name or "original_module" in name:
            continue
        if name.split(".", 1)[0] in heads:
            continue
        state[name.replace(".base_layer.", ".")] = t
    return state


@contextlib.contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide load reports (the head is expected to be "missing" from a base checkpoint)."""
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)


def _load_base(path: str | None, config: Any) -> nn.Module:
    """The base classifier from ``path`` (or from ``config`` alone when there is none)."""
    from transformers import AutoModelForSequenceClassification

    with _quiet_transformers():
        if path is None:
            return AutoModelForSequenceClassification.from_config(config)
        return AutoModelForSequenceClassification.from_pretrained(
            path, config=config, ignore_mismatched_sizes=True
        )


def _base_source(peft_model: Any) -> tuple[str | None, str | None]:
    """(a loadable local base path or None, its builtin name or None)."""
    from textbench.models.builtin import builtin_name_for_path

    path = peft_model.active_peft_config.base_model_name_or_path or None
    if path is None or not Path(path).is_dir():
        return None, None  # a from-scratch model (or a hub id: saved in full to stay offline)
    return path, builtin_name_for_path(path)


def _save_adapter(model: Any, out: Path) -> None:
    from safetensors.torch import save_file

    model.save_pretrained(out, safe_serialization=True)
    base = model.get_base_model()
    base.config.save_pretrained(out)
    path, builtin = _base_source(model)
    ours = _plain_base_state(model)
    extra = ours
    if path is not None:
        try:
            ref = _load_base(path, copy.deepcopy(base.config)).state_dict()
        except (OSError, ValueError) as e:
            log.warning("base model %s does not reload (%s); saving its weights with the adapter", path, e)
            path = builtin = None
        else:
            extra = {k: v for k, v in ours.items() if k not in ref or not torch.equal(ref[k].to(v.device), v)}
    if extra:
        save_file({k: v.detach().cpu().contiguous().clone() for k, v in extra.items()}, str(out / BASE_EXTRA))
    info = {"base_model": path, "builtin": builtin, "base_extra": BASE_EXTRA if extra else None,
            "base_extra_tensors": len(extra)}
    (out / ADAPTER_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def _register_our_models() -> None:
    import textbench.models  # noqa: F401  (registers model_type "textbench" with the Auto API)


def load_adapter_model(model_dir: Path) -> Any:
    """Reload a PEFT adapter run (base weights + adapter + trained head), in eval mode."""
    from peft import PeftConfig, PeftModel
    from transformers import AutoConfig

    _register_our_models()
    model_dir = Path(model_dir)
    info_file = model_dir / ADAPTER_INFO
    if not info_file.is_file() or not (model_dir / "config.json").is_file():
        from peft import AutoPeftModelForSequenceClassification  # an adapter saved elsewhere

        return with_prefix_forward(AutoPeftModelForSequenceClassification.from_pretrained(model_dir))
    info = json.loads(info_file.read_text(encoding="utf-8"))
    config = AutoConfig.from_pretrained(model_dir)
    path = info.get("base_model")
    if info.get("builtin"):
        from textbench.models.builtin import resolve_model_path

        path = resolve_model_path("builtin:" + info["builtin"])
    elif path is not None and not Path(path).is_dir():
        stored = PeftConfig.from_pretrained(model_dir).base_model_name_or_path
        raise ModelError(f"{model_dir}: the adapter's base model {stored} is no longer there")
    base = _load_base(path, config)
    if info.get("base_extra"):
        from safetensors.torch import load_file

        extra = load_file(str(model_dir / info["base_extra"]))
        missing_unexpected = base.load_state_dict(extra, strict=False)
        if missing_unexpected.unexpected_keys:
            raise ModelError(
                f"{model_dir / info['base_extra']}: weights the base model does not have:"
                f" {', '.join(missing_unexpected.unexpected_keys[:5])}"
            )
    model = with_prefix_forward(PeftModel.from_pretrained(base, model_dir))
    model.eval()
    return model


def load_trained_model(model_dir: Path) -> Any:
    """Reload whatever `save_trained_model` wrote (adapter, probe head or plain model), in eval mode."""
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from textbench.methods.probe_head import probe_model_class

    _register_our_models()
    model_dir = Path(model_dir)
    if (model_dir / "adapter_config.json").is_file():
        return load_adapter_model(model_dir)
    config = AutoConfig.from_pretrained(model_dir)
    cls = probe_model_class(config) or AutoModelForSequenceClassification
    model = cls.from_pretrained(model_dir)
    model.eval()
    return model
