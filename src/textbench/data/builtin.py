"""Datasets shipped inside the package (`builtin:NAME`), read with importlib.resources."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

from textbench.data.raw import RawData, RawSplit
from textbench.data.readers import read_split_file
from textbench.errors import ConfigError

SPLITS = ("train", "validation", "test")


@dataclass(frozen=True)
class BuiltinDataset:
    """A shipped dataset: folder under textbench/resources with {train,validation,test}.jsonl."""

    folder: str
    label_names: tuple[str, ...]
    description: str


BUILTINS: dict[str, BuiltinDataset] = {
    "tweets-sentiment": BuiltinDataset(
        folder="tweets_sentiment",
        label_names=("negative", "neutral", "positive"),
        description="4,200 tweets, 3-class sentiment from VADER valence (Hutto & Gilbert 2014), MIT",
    ),
}


def list_builtin() -> list[str]:
    """Names usable as `data.source: builtin:NAME`."""
    return sorted(BUILTINS)


def get_builtin(name: str) -> BuiltinDataset:
    """The builtin named `name`; ConfigError listing the known ones otherwise."""
    if name not in BUILTINS:
        raise ConfigError(
            f"data.source: unknown builtin dataset {name!r}; known: "
            + ", ".join(f"builtin:{n}" for n in list_builtin())
        )
    return BUILTINS[name]


def load_builtin(name: str) -> RawData:
    """Raw splits of a builtin dataset, texts as shipped (cleaning happens in prepare_data)."""
    spec = get_builtin(name)
    root = resources.files("textbench").joinpath("resources", spec.folder)
    splits: dict[str, RawSplit] = {}
    for split in SPLITS:
        with resources.as_file(root.joinpath(f"{split}.jsonl")) as path:
            raw = read_split_file(path, fmt="jsonl", text_column="text", label_column="label", encoding="utf-8")
        raw.origin = f"builtin:{name}/{split}.jsonl"
        splits[split] = raw
    return RawData(splits=splits, source=f"builtin:{name}", label_names=list(spec.label_names))
