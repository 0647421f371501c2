"""Multi-label classic baselines: (N, K) 0/1 labels in, (N, K) per-label probabilities out, saved without pickle."""

from __future__ import annotations

import json

import numpy as np
import pytest

from textbench.baselines import BaselineConfig, make_baseline
from textbench.baselines.saving import SETTINGS_FILE, load_baseline, save_baseline
from textbench.errors import DataError

LABELS = ["sport", "politics"]
FILLER = "the a today people said news city report about again".split()


def _data(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Texts with "goal"/"match" for sport and "vote"/"minister" for politics; some rows have both, some none."""
    rng = np.random.default_rng(seed)
    texts, rows = [], []
    for _ in range(n):
        y = (rng.random(2) < 0.4).astype(np.int64)  # priors below 0.5: majority predicts no label
        words = list(rng.choice(FILLER, size=5))
        if y[0]:
            words.append(str(rng.choice(["goal", "match"])))
        if y[1]:
            words.append(str(rng.choice(["vote", "minister"])))
        rng.shuffle(words)
        texts.append(" ".join(words))
        rows.append(y)
    return texts, np.stack(rows)  # (N, 2)


@pytest.fixture(scope="module")
def splits():
    return _data(120, 0), _data(40, 1), _data(80, 2)  # train, validation, test


def _fit(name, splits, **options):
    (x, y), (xv, yv), _ = splits
    model = make_baseline(BaselineConfig(name=name, **options))
    info = model.fit(x, y, xv, yv, len(LABELS), 0)
    return model, info


def test_tfidf_beats_majority_on_subset_accuracy(splits):
    _, _, (xt, yt) = splits
    accuracy = {}
    for name in ("majority", "tfidf"):
        model, _ = _fit(name, splits, C=[1.0, 8.0])
        assert model.multi_label
        probs = model.predict_proba(xt)
        assert probs.shape == (len(xt), len(LABELS)) and ((probs >= 0) & (probs <= 1)).all()
        accuracy[name] = float(((probs >= 0.5).astype(int) == yt).all(axis=1).mean())
    assert accuracy["tfidf"] >= 0.9 and accuracy["tfidf"] > accuracy["majority"] + 0.3


def test_tfidf_searches_its_grid_and_counts_its_parameters(splits):
    model, info = _fit("tfidf", splits, C=[0.5, 8.0], class_weight="balanced")
    assert len(info["tried"]) == 2 * 2 * 2 and info["C_selected"] in (0.5, 8.0) and info["constant_labels"] == []
    best = max(info["tried"], key=lambda t: t["validation_macro_f1"])
    assert best["C"] == info["C_selected"] and best["validation_macro_f1"] > 0.9
    assert model.num_parameters() == len(LABELS) * info["features"] + len(LABELS)


def test_majority_prior_is_each_labels_training_share():
    model = make_baseline(BaselineConfig(name="majority"))
    y = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0]], dtype=np.float32)
    info = model.fit(["a"] * 4, y, ["b"], y[:1], 3, 0)
    assert info == {"label_prior": [0.75, 0.25, 0.0]}
    probs = model.predict_proba(["x", "y", "z"])
    assert probs.shape == (3, 3) and (probs == [0.75, 0.25, 0.0]).all()


def test_a_label_with_one_value_in_training_gets_its_prior(splits):
    (x, y), (xv, yv), (xt, _) = splits
    add = np.array([[0, 1]])  # a third label never present, a fourth always present
    model = make_baseline(BaselineConfig(name="tfidf", C=[1.0], tune_features=False))
    info = model.fit(x, np.hstack([y, np.tile(add, (len(x), 1))]), xv, np.hstack([yv, np.tile(add, (len(xv), 1))]),
                     4, 0)
    assert info["constant_labels"] == [2, 3]
    probs = model.predict_proba(xt)
    assert probs.shape == (len(xt), 4) and np.isfinite(probs).all()
    assert (probs[:, 2] == 0.0).all() and (probs[:, 3] == 1.0).all()
    assert 0 < probs[:, :2].min() and probs[:, :2].max() < 1


def test_labels_of_the_wrong_shape_are_refused(splits):
    (x, y), (xv, yv), _ = splits
    for name in ("majority", "tfidf"):
        with pytest.raises(DataError, match="0/1 matrix"):
            make_baseline(BaselineConfig(name=name)).fit(x, y, xv, yv, 3, 0)


@pytest.mark.parametrize("name", ["majority", "tfidf"])
def test_saving_round_trips_multi_label_baselines(tmp_path, splits, name):
    (x, y), (xv, yv), (xt, _) = splits
    model, _ = _fit(name, splits, C=[1.0], tune_features=False)
    # a constant label too: its +-inf intercept must survive the round trip
    model.fit(x, np.hstack([y, np.ones((len(x), 1), int)]), xv, np.hstack([yv, np.ones((len(xv), 1), int)]), 3, 0)
    save_baseline(model, name, LABELS + ["always"], tmp_path)
    assert json.loads((tmp_path / SETTINGS_FILE).read_text())["multi_label"] is True
    loaded = load_baseline(tmp_path)
    assert loaded.model.multi_label and loaded.label_names == LABELS + ["always"]
    expected, got = model.predict_proba(xt), loaded.predict_proba(xt)
    assert got.shape == (len(xt), 3) and np.allclose(got, expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize("name", ["majority", "tfidf"])
def test_single_label_files_saved_before_multi_label_still_load(tmp_path, splits, name):
    (x, y), (xv, yv), (xt, _) = splits
    model = make_baseline(BaselineConfig(name=name, C=[1.0], tune_features=False))
    model.fit(x, y[:, 0] + 2 * y[:, 1], xv, yv[:, 0] + 2 * yv[:, 1], 4, 0)  # 4 classes: none, sport, politics, both
    assert not model.multi_label
    save_baseline(model, name, ["none", "sport", "politics", "both"], tmp_path)
    settings = json.loads((tmp_path / SETTINGS_FILE).read_text())
    assert settings.pop("multi_label") is False
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(settings))  # as written before the key existed
    loaded = load_baseline(tmp_path)
    assert not loaded.model.multi_label
    got = loaded.predict_proba(xt)
    assert got.shape == (len(xt), 4) and np.allclose(got.sum(1), 1) and np.allclose(got, model.predict_proba(xt))
