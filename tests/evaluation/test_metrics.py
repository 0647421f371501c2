from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from textbench.evaluation.metrics import METRIC_NAMES, full_report, scalar_metrics, softmax


def one_hot(preds, n):
    out = np.full((len(preds), n), 0.1 / (n - 1))
    out[np.arange(len(preds)), preds] = 0.9
    return out


def test_metrics_against_known_values():
    labels = np.array([0, 0, 1, 1, 2, 2])
    preds = np.array([0, 1, 1, 1, 2, 0])
    m = scalar_metrics(one_hot(preds, 3), labels, 3)
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["macro_f1"] == pytest.approx(f1_score(labels, preds, average="macro"))
    assert m["micro_f1"] == pytest.approx(4 / 6)
    assert m["balanced_accuracy"] == pytest.approx((0.5 + 1 + 0.5) / 3)
    assert -1 <= m["mcc"] <= 1
    assert set(m) <= set(METRIC_NAMES)


def test_perfect_and_entropy():
    labels = np.array([0, 1, 2])
    m = scalar_metrics(np.eye(3), labels, 3)
    assert m["accuracy"] == 1.0 and m["mcc"] == pytest.approx(1.0)
    assert m["entropy"] == pytest.approx(0.0, abs=1e-6)
    uniform = scalar_metrics(np.full((3, 3), 1 / 3), labels, 3)
    assert uniform["entropy"] == pytest.approx(np.log(3))


def test_full_report_has_per_class_and_confusion():
    labels = np.array([0, 1, 1, 2])
    r = full_report(one_hot(np.array([0, 1, 2, 2]), 3), labels, ["a", "b", "c"])
    assert r["confusion_matrix"] == [[1, 0, 0], [0, 1, 1], [0, 0, 1]]
    assert r["per_class"]["b"]["recall"] == pytest.approx(0.5)
    assert r["per_class"]["c"]["support"] == 1


def test_softmax_stable():
    p = softmax(np.array([[1000.0, 0.0], [0.0, 0.0]]))
    assert np.allclose(p.sum(-1), 1) and np.isfinite(p).all()


def test_averages_leave_out_a_class_with_no_example_and_no_prediction():
    import numpy as np

    from textbench.evaluation.metrics import full_report

    probs = np.array([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.1, 0.9, 0.0], [0.2, 0.8, 0.0]])
    report = full_report(probs, np.array([0, 0, 1, 1]), ["a", "b", "rare"])
    assert report["macro_f1"] == 1.0  # not 2/3 with a phantom F1 of 0 for 'rare'
    assert report["classes_without_examples"] == ["rare"] and report["per_class"]["rare"]["support"] == 0
    wrong = full_report(np.array([[0.0, 0.1, 0.9]] * 2 + [[0.1, 0.9, 0.0]] * 2), np.array([0, 0, 1, 1]),
                        ["a", "b", "rare"])
    assert wrong["macro_f1"] == 1 / 3  # a class predicted but absent still counts, as scikit-learn does
