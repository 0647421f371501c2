"""`hf:` sources: `datasets.load_dataset` (hub id, local data folder or repo) or a `save_to_disk` folder."""

from __future__ import annotations

from pathlib import Path

from textbench.data.raw import RawData, RawSplit
from textbench.data.readers import LabelColumns, check_columns, text_value
from textbench.errors import DataError

SPLIT_ALIASES = {
    "train": ("train",),
    "validation": ("validation", "valid", "val", "dev"),
    "test": ("test",),
}


def load_hub(
    spec: str,
    *,
    base_dir: Path,
    config_name: str | None,
    revision: str | None,
    text_column: str,
    label_column: LabelColumns,
) -> RawData:
    """Load every split of `spec` and map the names to train/validation/test."""
    import datasets

    local = base_dir / spec
    path = str(local.resolve()) if (spec.startswith((".", "/", "~")) or local.exists()) else spec
    saved = local.is_dir() and ((local / "dataset_dict.json").exists() or (local / "state.json").exists())
    try:
        if saved:  # a folder written by Dataset(Dict).save_to_disk
            loaded = datasets.load_from_disk(str(local))
        else:
            loaded = datasets.load_dataset(path, name=config_name, revision=revision)
    except Exception as e:  # noqa: BLE001 - hub/builder errors are many; all are user input here
        msg = " ".join(str(e).split())[:300]
        raise DataError(
            f"data.source hf:{spec}: cannot load the dataset ({type(e).__name__}: {msg}); "
            "check the id or path, data.hf_config_name and data.hf_revision"
        ) from None
    if not isinstance(loaded, datasets.DatasetDict):
        loaded = datasets.DatasetDict({"train": loaded})
    splits: dict[str, RawSplit] = {}
    notes: list[str] = []
    declared: list[str] | None = None
    for ours, aliases in SPLIT_ALIASES.items():
        found = next((a for a in aliases if a in loaded), None)
        if found is None:
            continue
        ds = loaded[found]
        origin = f"hf:{spec}[{found}]"
        check_columns(Path(origin), list(ds.column_names), text_column, label_column, "hf")
        several = not isinstance(label_column, str)
        columns = list(label_column) if several else [label_column]
        feature = None if several else ds.features[label_column]
        if isinstance(feature, (datasets.Sequence, list)):  # multi-label: a list of class ids per row
            feature = feature.feature if isinstance(feature, datasets.Sequence) else feature[0]
        if isinstance(feature, datasets.ClassLabel) and declared is None:
            declared = list(feature.names)
        table = ds.select_columns([text_column, *columns]).to_dict()
        labels = list(zip(*(table[c] for c in columns))) if several else list(table[label_column])
        if ours != "train" and isinstance(feature, datasets.ClassLabel) and set(map(str, labels)) == {"-1"}:
            notes.append(f"{origin} is unlabelled (all labels -1); {ours} is made from train instead")
            continue
        texts = [text_value(t, f"{origin} row {i}") for i, t in enumerate(table[text_column], start=1)]
        splits[ours] = RawSplit(
            texts=texts,
            labels=labels,
            rows=list(range(1, len(texts) + 1)),
            origin=origin,
            row_kind="row",
        )
    if "train" not in splits:
        raise DataError(
            f"data.source hf:{spec} has no train split (splits found: {', '.join(loaded) or 'none'})"
        )
    return RawData(splits=splits, source=f"hf:{spec}", label_names=declared, notes=notes)
