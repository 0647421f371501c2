"""Resolve `data.source` (+ explicit split files) into raw splits.

Folder discovery looks at the folder's files (not sub-folders) by name prefix:
train* -> train; val*/valid*/validation*/dev* -> validation; test* -> test.
Explicit data.train_file / validation_file / test_file override what is found.
"""

from __future__ import annotations

from pathlib import Path

from textbench.data.builtin import load_builtin
from textbench.data.config import DataConfig
from textbench.data.hub import load_hub
from textbench.data.raw import RawData, RawSplit
from textbench.data.readers import EXTENSION_FORMATS, read_split_file
from textbench.errors import ConfigError, DataError

SPLIT_PREFIXES = {
    "train": ("train",),
    "validation": ("val", "dev"),
    "test": ("test",),
}


def resolve_path(path: str, base_dir: Path) -> Path:
    """`path` with ~ expanded, relative paths taken from `base_dir`."""
    p = Path(path).expanduser()
    return p if p.is_absolute() else base_dir / p


def discover_split_files(folder: Path, fmt: str) -> dict[str, Path]:
    """Split files in `folder` by name prefix; two files for one split is a DataError."""
    found: dict[str, list[Path]] = {}
    for f in sorted(folder.iterdir()):
        if not f.is_file() or f.name.startswith("."):
            continue
        if fmt == "auto" and f.suffix.lower() not in EXTENSION_FORMATS:
            continue
        name = f.name.lower()
        for split, prefixes in SPLIT_PREFIXES.items():
            if name.startswith(prefixes):
                found.setdefault(split, []).append(f)
    for split, files in found.items():
        if len(files) > 1:
            names = ", ".join(f.name for f in files)
            raise DataError(
                f"folder {folder} has several {split} files ({names}); set data.{split}_file to pick one"
            )
    return {split: files[0] for split, files in found.items()}


def _explicit_files(cfg: DataConfig, base_dir: Path) -> dict[str, Path]:
    given = {"train": cfg.train_file, "validation": cfg.validation_file, "test": cfg.test_file}
    return {split: resolve_path(p, base_dir) for split, p in given.items() if p}


def load_raw(cfg: DataConfig, base_dir: Path) -> RawData:
    """Raw splits (train always; validation/test when the source gives them)."""
    source = cfg.source.strip()
    explicit = _explicit_files(cfg, base_dir)
    if source.startswith(("builtin:", "hf:")) and explicit and "train" not in explicit:
        raise ConfigError(
            "data.validation_file / data.test_file need data.train_file or a file/folder data.source, "
            f"not {source!r}"
        )
    if source.startswith("hf:") and explicit:
        raise ConfigError(f"data.train_file conflicts with data.source {source!r}; set only one")
    if source.startswith("builtin:") and not explicit:
        return load_builtin(source.removeprefix("builtin:").strip())
    if source.startswith("hf:"):
        return load_hub(
            source.removeprefix("hf:").strip(),
            base_dir=base_dir,
            config_name=cfg.hf_config_name,
            revision=cfg.hf_revision,
            text_column=cfg.text_column,
            label_column=cfg.label_keys,
        )
    files: dict[str, Path] = {}
    if source and not source.startswith("builtin:"):
        path = resolve_path(source, base_dir)
        if path.is_dir():
            files = discover_split_files(path, cfg.format)
            if "train" not in files and "train" not in explicit:
                listed = ", ".join(sorted(f.name for f in path.iterdir())[:15]) or "nothing"
                raise DataError(
                    f"folder {path} has no train file (train*.csv/.tsv/.jsonl/.json/.parquet/.txt); "
                    f"found: {listed}; set data.train_file"
                )
        elif path.exists():
            files = {"train": path}
        else:
            raise DataError(f"data.source not found: {path} (not a file, folder, builtin: or hf: source)")
    files.update(explicit)
    if "train" not in files:
        raise ConfigError(
            "data.source is empty; set data.source (file, folder, builtin:NAME, hf:ID) or data.train_file"
        )
    splits: dict[str, RawSplit] = {}
    for split, path in files.items():
        splits[split] = read_split_file(
            path,
            fmt=cfg.format,
            text_column=cfg.text_column,
            label_column=cfg.label_keys,
            encoding=cfg.encoding,
        )
    shown = source if source and not source.startswith("builtin:") else str(files["train"])
    return RawData(splits=splits, source=shown)
