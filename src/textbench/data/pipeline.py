"""`prepare_data`: source -> labelled, cleaned, split `PreparedData`.

Order: read -> check labels -> clean each given split -> carve missing
validation/test from cleaned train (so no duplicate straddles a created split)
-> leakage report/removal -> class order and ids -> subsample -> Datasets.
"""

from __future__ import annotations

import logging
from pathlib import Path

import datasets

from textbench.data.cleaning import clean_split, find_leakage, new_counts, remove_leakage
from textbench.data.config import DataConfig
from textbench.data.labels import class_order, encode_labels, label_variants, labels_seen, normalize_labels
from textbench.data.multilabel import multi_hot, multi_hot_feature, parse_label_sets
from textbench.data.prepared import SPLITS, PreparedData
from textbench.data.raw import RawSplit
from textbench.data.sources import load_raw
from textbench.data.splits import create_missing_splits, subsample
from textbench.errors import DataError

log = logging.getLogger(__name__)
LONG_TEXT_CHARS = 1_000_000


def _leakage_warnings(leakage: dict[str, int], splits: dict[str, RawSplit]) -> list[str]:
    """Warn on the console (and in the notes) when evaluation texts are copies of training texts."""
    notes = []
    for name in ("validation", "test"):
        n, total = leakage.get(f"{name}-train", 0), len(splits[name])
        if n and total:
            share = 100 * n / total
            shown = f"{share:.0f}%" if share >= 1 else f"{share:.1f}%"
            note = (f"{n:,} of {total:,} {name} texts ({shown}) also appear in train; {name} scores"
                    " then partly measure memory (data.remove_leakage: true removes them)")
            log.warning("warning: %s", note)
            notes.append(note)
    return notes


def _classes_without_examples(splits: dict[str, RawSplit]) -> list[str]:
    """Notes for training classes with no row in validation or test (too rare for the split)."""
    trained = labels_seen(splits["train"])
    notes = []
    for name in ("validation", "test"):
        absent = sorted(str(c) for c in trained - labels_seen(splits[name]))
        if absent:
            notes.append(f"{len(absent)} class(es) have no examples in {name} ({', '.join(map(repr, absent[:10]))};"
                         f" too rare for the split): their {name} scores are undefined and macro averages"
                         " leave them out; add examples or give a larger split")
    return notes


def prepare_data(cfg: DataConfig, *, base_dir: Path | None = None) -> PreparedData:
    """Load, check, clean and split the data described by `cfg`.

    Relative paths in `cfg` resolve against `base_dir` (default: the cwd).
    User errors raise DataError/ConfigError with a one-line message.
    """
    cfg.validate()
    raw = load_raw(cfg, Path(base_dir) if base_dir is not None else Path.cwd())
    multi = cfg.is_multi_label
    if multi:
        kind = parse_label_sets(raw.splits, cfg.label_column, cfg.label_delimiter, cfg.label_columns)
    else:
        kind = normalize_labels(raw.splits, cfg.label_column)
    notes = list(raw.notes) + label_variants(raw.splits, cfg.label_column, cfg.label_case)
    notes += _long_text_notes(raw.splits)

    cleaning: dict[str, dict[str, int]] = {}
    splits: dict[str, RawSplit] = {}
    for name in SPLITS:
        if name in raw.splits:
            splits[name], cleaning[name] = clean_split(
                raw.splits[name],
                whitespace=cfg.normalize_whitespace,
                drop_empty=cfg.drop_empty,
                drop_duplicates=cfg.drop_duplicates,
            )
            _check_not_empty(name, splits[name], cleaning[name])
    classes = labels_seen(splits["train"])
    if len(classes) < 2:
        shown = f"only one class ({next(iter(classes))!r})" if classes else "no labels"
        raise DataError(
            f"train ({splits['train'].origin}) has {shown} "
            f"in column {cfg.label_column!r}; classification needs at least two"
        )

    splits, created = create_missing_splits(
        splits, validation_size=cfg.validation_size, test_size=cfg.test_size, seed=cfg.split_seed,
        multi_label=multi,
    )
    for name in created:
        cleaning[name] = new_counts(len(splits[name]))
    leakage = find_leakage(splits)
    if not cfg.remove_leakage:
        notes += _leakage_warnings(leakage, splits)
    splits = remove_leakage(splits, cleaning, remove=cfg.remove_leakage)
    for name in ("validation", "test"):
        _check_not_empty(name, splits[name], cleaning[name])

    notes += _classes_without_examples(splits)
    names_from = None
    configured = cfg.label_names or cfg.label_columns
    if configured:
        names_from = "data.label_names" if cfg.label_names else "data.label_columns"
    elif raw.label_names:
        names_from = f"{raw.source}'s class list"
    names, mapping = class_order(splits["train"], kind, configured, raw.label_names)
    ids = {"train": encode_labels(splits["train"], "train", mapping, names, names_from, None)}
    present = {i for row in ids["train"] for i in (row if multi else (row,))}
    for name in ("validation", "test"):
        ids[name] = encode_labels(splits[name], name, mapping, names, names_from, present)

    sampled = _subsample(splits, ids, cfg, len(present))
    if cfg.cv_folds is not None and cfg.cv_fold is not None:  # after subsampling: the caps apply to the pool
        from textbench.data.folds import fold_splits

        notes.append(fold_splits(splits, ids, names, cfg.cv_folds, cfg.cv_fold, cfg.split_seed))
    if cfg.train_on_validation:  # after subsampling: the final model sees exactly what the study's runs did
        splits["train"] = splits["train"].concat(splits["validation"])
        ids["train"] = ids["train"] + ids["validation"]
        notes.append(f"data.train_on_validation: the {len(ids['validation']):,} validation rows are also training"
                     " rows; validation scores measure seen data")
    if multi:
        features = datasets.Features({"text": datasets.Value("string"), "label": multi_hot_feature(len(names))})
        columns = {name: multi_hot(ids[name], len(names)) for name in SPLITS}
    else:
        features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=names)})
        columns = ids
    dsd = datasets.DatasetDict(
        {
            name: datasets.Dataset.from_dict({"text": splits[name].texts, "label": columns[name]}, features=features)
            for name in SPLITS
        }
    )
    return PreparedData(
        splits=dsd,
        label_names=names,
        source=raw.source,
        created_splits=created,
        cleaning=cleaning,
        leakage=leakage,
        subsampled=sampled,
        notes=notes,
    )


def _check_not_empty(name: str, split: RawSplit, counts: dict[str, int]) -> None:
    if len(split) == 0:
        raise DataError(
            f"{name} split ({split.origin}) is empty after cleaning: {counts['rows_in']} rows in, "
            f"{counts['empty_dropped']} empty, {counts['duplicates_dropped']} duplicates, "
            f"{counts['leakage_removed']} leaked rows removed; "
            "check the file or the data.drop_* / data.remove_leakage settings"
        )


def _long_text_notes(splits: dict[str, RawSplit]) -> list[str]:
    notes = []
    for name, split in splits.items():
        long = [i for i, t in enumerate(split.texts) if len(t) > LONG_TEXT_CHARS]
        if long:
            worst = max(long, key=lambda i: len(split.texts[i]))
            note = (
                f"{name}: {len(long)} text(s) longer than 1 MB (longest {len(split.texts[worst])} chars at "
                f"{split.where(worst)}); kept, tokenization truncates them"
            )
            log.warning(note)
            notes.append(note)
    return notes


def _subsample(
    splits: dict[str, RawSplit], ids: dict[str, list[int]], cfg: DataConfig, n_classes: int
) -> dict[str, dict[str, int]]:
    """Stratified, seeded subsamples in place; returns rows before/after per changed split."""
    caps: dict[str, int | None] = {"validation": cfg.max_eval_samples, "test": cfg.max_eval_samples}
    n_train = len(splits["train"])
    cap = max(1, round(n_train * cfg.train_fraction))
    if cfg.max_train_samples is not None:
        cap = min(cap, cfg.max_train_samples)
    caps["train"] = cap if cap < n_train else None
    if caps["train"] is not None and caps["train"] < n_classes:
        raise DataError(
            f"data.train_fraction / data.max_train_samples leave {caps['train']} training rows, "
            f"fewer than the {n_classes} classes; raise them"
        )
    done: dict[str, dict[str, int]] = {}
    for name in SPLITS:
        before = len(splits[name])
        splits[name], ids[name] = subsample(splits[name], ids[name], caps[name], cfg.split_seed)
        if len(splits[name]) != before:
            done[name] = {"rows_before": before, "rows_after": len(splits[name])}
    return done
