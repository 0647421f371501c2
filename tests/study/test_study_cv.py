"""`cv: K` in a study: every arm on the same K stratified folds of train + validation, test untouched;
the report gives mean ± std over folds and the corrected resampled t-test across them."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml

from helpers.studies import tiny_study
from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.errors import ConfigError, DataError
from textbench.report.significance import corrected_resampled_t
from textbench.study import load_study
from textbench.study.runner import run_study


def test_corrected_resampled_t_matches_nadeau_and_bengio():
    from scipy import stats

    d = np.array([0.02, 0.05, -0.01, 0.04, 0.03])
    got = corrected_resampled_t(d, 1 / 4)
    t = d.mean() / np.sqrt((1 / 5 + 1 / 4) * d.var(ddof=1))  # the plain t-test would use 1/5 alone
    assert got.t == pytest.approx(t) and got.p_value == pytest.approx(2 * stats.t.sf(abs(t), 4))
    assert got.p_value > 2 * stats.t.sf(d.mean() / np.sqrt(d.var(ddof=1) / 5), 4)  # more cautious
    assert corrected_resampled_t([0.1, 0.1, 0.1], 0.5).p_value == 0.0  # no spread at all


def test_cv_study_runs_every_arm_on_the_same_folds(tmp_path, tiny_bert_dir):
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], baselines=["majority"], cv=3)
    study = load_study(path, output_dir=tmp_path / "s")
    assert [r.key for r in study.runs()][:2] == ["majority/seed-1-fold-0", "bert/seed-1-fold-0"]
    result = run_study(study, executor="inline", progress=False)
    assert result.count("complete") == 6 and result.count("failed") == 0
    runs = study.dir / "runs"
    val: dict[str, list[set[str]]] = {}
    test_hashes = set()
    for arm in ("majority", "bert"):
        for fold in range(3):
            d = runs / arm / f"seed-1-fold-{fold}"
            cfg = load_run_config(d / "config.yaml") if arm == "bert" else None
            data = cfg.data if cfg else None
            if data is None:
                from textbench.config.loader import from_dict
                from textbench.data.config import DataConfig

                data = from_dict(DataConfig, yaml.safe_load((d / "config.yaml").read_text())["data"], "data")
            assert (data.cv_folds, data.cv_fold) == (3, fold)
            prepared = prepare_data(data)
            val.setdefault(arm, []).append(set(prepared.splits["validation"]["text"]))
            test_hashes.add(json.loads((d / "manifest.json").read_text())["data"]["split_hashes"]["test"])
    assert val["majority"] == val["bert"]  # the same folds for every arm
    folds = val["bert"]
    assert all(not (folds[i] & folds[j]) for i in range(3) for j in range(i + 1, 3))  # disjoint
    assert len(test_hashes) == 1  # test untouched
    md = (study.dir / "report.md").read_text()
    assert "x 3 cross-validation folds; 6 of 6 runs complete" in md
    assert "mean ± standard deviation over seeds and cross-validation folds" in md
    assert "corrected resampled t-test" in md and "p (corrected t)" in md
    final = yaml.safe_load((study.dir / "recommended.yaml").read_text())
    assert "cv_fold" not in final["data"] and "cv_folds" not in final["data"]
    again = run_study(load_study(path, output_dir=tmp_path / "s"), executor="inline", progress=False)
    assert again.count("skipped") == 6  # complete fold runs are not stale


def test_cv_settings_are_checked(tmp_path, tiny_bert_dir):
    with pytest.raises(ConfigError, match="cv: cross-validation needs at least 2 folds"):
        load_study(tiny_study(tmp_path, tiny_bert_dir, seeds=[1], cv=1), output_dir=tmp_path / "s")
    path = tiny_study(tmp_path, tiny_bert_dir, seeds=[1], baselines=["majority"], arms=[], cv=200)
    with pytest.raises(DataError, match="data.cv_folds: 200 folds need at least 200 rows of every class"):
        run_study(load_study(path, output_dir=tmp_path / "s"), executor="inline", progress=False)
