"""A fitted baseline as plain data: ``baseline.json`` (settings, vocabularies, label names) and
``baseline.safetensors`` (arrays). Never pickle: loading runs no code from the files.

``majority`` keeps its class prior; ``tfidf`` keeps each TF-IDF part's settings, vocabulary and
idf weights, and the logistic regression's coefficients, intercepts and classes (multi-label: the
per-label coefficients (K, F) and intercepts (K,), no classes). Loading rebuilds the same objects,
whose probabilities equal the fitted model's. ``multi_label`` in the JSON says which kind; files
saved before it existed lack it and are single-label.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from textbench.baselines.models import Majority, OneVsRest, TfidfLogReg
from textbench.errors import RunError

SETTINGS_FILE = "baseline.json"
ARRAYS_FILE = "baseline.safetensors"
_PART_KEYS = ("analyzer", "ngram_range", "lowercase", "sublinear_tf", "token_pattern", "min_df")


def save_baseline(model: Any, name: str, label_names: Sequence[str], folder: Path) -> None:
    from safetensors.numpy import save_file

    folder.mkdir(parents=True, exist_ok=True)
    settings: dict[str, Any] = {"baseline": name, "label_names": list(label_names),
                                "multi_label": bool(model.multi_label)}
    if isinstance(model, Majority):
        arrays = {"prior": np.asarray(model.prior, dtype=np.float64)}
    elif isinstance(model, TfidfLogReg):
        parts, arrays = [], {}
        for part, vectorizer in model.vectorizer.transformer_list:
            params = vectorizer.get_params()
            parts.append({"name": part, **{k: params[k] for k in _PART_KEYS},
                          "vocabulary": {t: int(i) for t, i in vectorizer.vocabulary_.items()}})
            arrays[f"idf.{part}"] = np.asarray(vectorizer.idf_, dtype=np.float64)
        settings["parts"] = parts
        settings["num_labels"] = model.num_labels
        arrays.update(coef=model.model.coef_, intercept=model.model.intercept_)
        if not model.multi_label:
            arrays["classes"] = np.asarray(model.model.classes_, dtype=np.int64)
    else:
        raise TypeError(f"no saved form for baseline {name!r}")
    (folder / SETTINGS_FILE).write_text(json.dumps(settings, ensure_ascii=False), encoding="utf-8")
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(folder / ARRAYS_FILE))


class SavedBaseline:
    """A reloaded baseline: ``predict_proba`` over raw texts, and its label names."""

    def __init__(self, model: Any, label_names: list[str], name: str) -> None:
        self.model, self.label_names, self.name = model, label_names, name

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        return self.model.predict_proba(list(texts))


def is_saved_baseline(folder: Path) -> bool:
    return (folder / SETTINGS_FILE).is_file()


def load_baseline(folder: Path) -> SavedBaseline:
    from safetensors.numpy import load_file

    try:
        settings = json.loads((folder / SETTINGS_FILE).read_text(encoding="utf-8"))
        arrays = load_file(str(folder / ARRAYS_FILE))
        model = _rebuild(settings, arrays)
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise RunError(f"{folder}: cannot load the saved baseline ({type(e).__name__}: {e});"
                       " the files may be corrupt or incomplete") from None
    return SavedBaseline(model, list(settings["label_names"]), settings["baseline"])


def _rebuild(settings: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    multi_label = bool(settings.get("multi_label", False))  # missing: saved before multi-label, single-label
    if settings["baseline"] == "majority":
        return Majority(prior=arrays["prior"], multi_label=multi_label)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion

    parts = []
    for part in settings["parts"]:
        options = {k: part[k] for k in _PART_KEYS}
        options["ngram_range"] = tuple(options["ngram_range"])
        vectorizer = TfidfVectorizer(**options, vocabulary=part["vocabulary"], dtype=np.float64)
        vectorizer.idf_ = arrays[f"idf.{part['name']}"]
        parts.append((part["name"], vectorizer))
    if multi_label:
        regression: Any = OneVsRest(arrays["coef"], arrays["intercept"])
    else:
        regression = LogisticRegression()
        regression.coef_, regression.intercept_ = arrays["coef"], arrays["intercept"]
        regression.classes_ = arrays["classes"]
    model = TfidfLogReg.__new__(TfidfLogReg)
    model.vectorizer, model.model, model.num_labels = FeatureUnion(parts), regression, settings["num_labels"]
    model.multi_label = multi_label
    return model
