"""Classic baselines behind one small interface: fit on train (+ validation), predict probabilities.

Labels: single-label (N,) class ids; multi-label (N, K) 0/1 indicator matrix, where
``predict_proba`` gives (N, K) independent per-label probabilities. ``fit`` picks the
kind from the labels' shape and keeps it in ``multi_label``.

``majority``: always the most frequent training class; its probabilities are the
training class prior, so its loss is the prior's cross-entropy. Multi-label: each
label's training share (its prior), for every text.
``tfidf``: TF-IDF of word n-grams and character n-grams (within word boundaries),
then multinomial logistic regression (multi-label: one binary logistic regression per
label). Its own small grid is searched on validation macro-F1, so the baseline is tuned
too: the features (words only or words + characters, ``min_df`` 1 or 2, with
``tune_features``) and the regularisation strength ``C``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from textbench.baselines.config import BaselineConfig
from textbench.errors import DataError
from textbench.utils.registry import Registry


def _labels(labels: Any, num_labels: int, where: str) -> tuple[np.ndarray, bool]:
    """The labels as an array, and whether they are multi-label (an (N, K) indicator matrix)."""
    y = np.asarray(labels)
    if y.ndim == 1:
        return y, False
    if y.ndim != 2 or y.shape[1] != num_labels or not np.isin(y, (0, 1)).all():
        raise DataError(f"baseline {where}: multi-label labels must be an (N, {num_labels}) 0/1 matrix,"
                        f" got shape {y.shape}")
    return y.astype(np.int64), True


class Baseline(Protocol):
    def fit(self, texts: Sequence[str], labels: np.ndarray, val_texts: Sequence[str],
            val_labels: np.ndarray, num_labels: int, seed: int) -> dict[str, Any]: ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def num_parameters(self) -> int: ...


BASELINES: Registry[Callable[[BaselineConfig], Baseline]] = Registry("baseline")


@dataclass
class Majority:
    """Predicts the training set's most frequent class for every text."""

    prior: np.ndarray = field(default_factory=lambda: np.zeros(0))  # (K,)
    multi_label: bool = False

    def fit(self, texts, labels, val_texts, val_labels, num_labels, seed):  # noqa: D102
        y, self.multi_label = _labels(labels, num_labels, "majority")
        if self.multi_label:
            self.prior = y.mean(axis=0, dtype=np.float64)  # share of training rows with each label
            return {"label_prior": [float(p) for p in self.prior]}
        counts = np.bincount(y, minlength=num_labels).astype(np.float64)
        self.prior = counts / counts.sum()
        return {"majority_class": int(self.prior.argmax())}

    def predict_proba(self, texts):  # noqa: D102
        return np.tile(self.prior, (len(texts), 1))

    def num_parameters(self) -> int:
        return 0


@dataclass
class OneVsRest:
    """Multi-label logistic regression as plain arrays: one binary model per label.

    A label with one value in training (always 0 or always 1) keeps zero coefficients and an
    intercept of -inf or +inf, so its probability is its training prior, 0 or 1.
    """

    coef_: np.ndarray  # (K, F)
    intercept_: np.ndarray  # (K,)
    C: float = 1.0

    @classmethod
    def fit(cls, x: Any, y: np.ndarray, C: float, make: Callable[[float], Any]) -> "OneVsRest":
        k = y.shape[1]
        coef, intercept = np.zeros((k, x.shape[1])), np.zeros(k)
        for j in range(k):
            if y[:, j].min() == y[:, j].max():  # one value only: nothing to learn
                intercept[j] = np.inf if y[0, j] else -np.inf
                continue
            model = make(C).fit(x, y[:, j])
            coef[j], intercept[j] = model.coef_[0], model.intercept_[0]
        return cls(coef, intercept, C)

    def predict_proba(self, x: Any) -> np.ndarray:
        from scipy.special import expit

        return expit(np.asarray(x @ self.coef_.T) + self.intercept_)  # (N, K)

    def predict(self, x: Any) -> np.ndarray:
        from textbench.evaluation.multilabel import predict_labels

        return predict_labels(self.predict_proba(x))  # (N, K), each label at the default 0.5


def _fit_side_by_side(fit: Callable[[float], Any], values: list[float]) -> list[Any]:
    """``fit(C)`` for each C on threads, one per core we may use: the solvers release the GIL while
    they iterate, and each fit is seeded alone, so the models are those of fitting one by one."""
    from concurrent.futures import ThreadPoolExecutor

    from textbench.runtime.environment import available_cores

    workers = max(1, min(len(values), available_cores()))
    if workers == 1:
        return [fit(c) for c in values]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(fit, values))


class TfidfLogReg:
    """Word + character n-gram TF-IDF features and logistic regression."""

    multi_label = False

    def __init__(self, cfg: BaselineConfig) -> None:
        self.cfg = cfg
        self.vectorizer: Any = None
        self.model: Any = None  # LogisticRegression, or OneVsRest for multi-label

    def _vectorizer(self, c: BaselineConfig) -> Any:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.pipeline import FeatureUnion

        common = {"sublinear_tf": c.sublinear_tf, "lowercase": c.lowercase, "min_df": c.min_df,
                  "max_features": c.max_features, "dtype": np.float64}
        parts = [("word", TfidfVectorizer(analyzer="word", ngram_range=tuple(c.word_ngrams),
                                          token_pattern=r"(?u)\b\w+\b|[^\w\s]", **common))]
        if c.char_ngrams is not None:
            parts.append(("char", TfidfVectorizer(analyzer="char_wb", ngram_range=tuple(c.char_ngrams), **common)))
        return FeatureUnion(parts)

    def feature_grid(self) -> list[BaselineConfig]:
        """The feature settings tried: the configured ones, and with tune_features their variants."""
        c = self.cfg
        if not c.tune_features:
            return [c]
        chars = [None] if c.char_ngrams is None else [c.char_ngrams, None]
        return [dataclasses.replace(c, char_ngrams=ch, min_df=m) for ch in chars for m in sorted({c.min_df, 2})]

    def fit(self, texts, labels, val_texts, val_labels, num_labels, seed):  # noqa: D102
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score

        y, self.multi_label = _labels(labels, num_labels, "tfidf")
        yv, _ = _labels(val_labels, num_labels, "tfidf")

        def make(c: float) -> Any:
            return LogisticRegression(C=c, max_iter=self.cfg.max_iter, class_weight=self.cfg.class_weight,
                                      solver=self.cfg.solver, random_state=seed)

        tried = []
        best_f1 = -1.0
        self.model = None
        for features in self.feature_grid():
            vectorizer = self._vectorizer(features)
            try:
                x = vectorizer.fit_transform(list(texts))
            except ValueError:  # min_df 2 on a tiny training set: no term left
                continue
            xv = vectorizer.transform(list(val_texts))
            models = _fit_side_by_side(
                lambda c: OneVsRest.fit(x, y, c, make) if self.multi_label else make(c).fit(x, y), self.cfg.C)
            for c, model in zip(self.cfg.C, models):
                f1 = float(f1_score(yv, model.predict(xv), average="macro",
                                    labels=list(range(num_labels)), zero_division=0))
                tried.append({"C": c, "char_ngrams": features.char_ngrams, "min_df": features.min_df,
                              "validation_macro_f1": round(f1, 6)})
                if f1 > best_f1:
                    best_f1, self.model, self.vectorizer, chosen = f1, model, vectorizer, features
                    self.features = int(x.shape[1])
        if self.model is None:
            raise DataError("baseline tfidf: the training texts have no terms to build features from")
        self.num_labels = num_labels
        info = {"C_selected": float(self.model.C), "char_ngrams_selected": chosen.char_ngrams,
                "min_df_selected": chosen.min_df, "word_ngrams": list(chosen.word_ngrams), "tried": tried,
                "features": self.features}
        if self.multi_label:
            info["constant_labels"] = [int(j) for j in np.flatnonzero(y.min(0) == y.max(0))]
        return info

    def predict_proba(self, texts):  # noqa: D102
        x = self.vectorizer.transform(list(texts))
        if self.multi_label:
            return self.model.predict_proba(x)  # (N, K)
        p = self.model.predict_proba(x)
        out = np.zeros((len(texts), self.num_labels), dtype=np.float64)
        out[:, self.model.classes_] = p  # classes missing from train keep probability 0
        return out

    def num_parameters(self) -> int:
        return int(self.model.coef_.size + self.model.intercept_.size)


BASELINES.add("majority", lambda cfg: Majority())
BASELINES.add("tfidf", TfidfLogReg)


def make_baseline(cfg: BaselineConfig) -> Baseline:
    return BASELINES.get(cfg.name, setting="baseline.name")(cfg)
