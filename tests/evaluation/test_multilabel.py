from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.metrics import f1_score, matthews_corrcoef

from textbench.evaluation.metrics import (
    METRIC_NAMES,
    full_report,
    log_loss,
    make_compute_metrics,
    probabilities,
    scalar_metrics,
)
from textbench.evaluation.multilabel import (
    THRESHOLD_GRID,
    binary_cross_entropy,
    example_correct,
    multilabel_full_report,
    multilabel_scalar_metrics,
    predict_labels,
    sigmoid,
    tune_thresholds,
)
from textbench.evaluation.names import LOWER_IS_BETTER
from textbench.evaluation.plots import plot_per_label_f1

# truth and predictions (0.9 = predicted, 0.1 = not) worked by hand below
Y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0], [0, 0, 1]])
PRED = np.array([[1, 0, 0], [0, 1, 0], [1, 1, 1], [0, 1, 1]])
PROBS = np.where(PRED == 1, 0.9, 0.1)


def test_hand_computed_metrics():
    m = multilabel_scalar_metrics(PROBS, Y)
    assert m["accuracy"] == pytest.approx(1 / 4)  # only row 1 has every label right
    assert m["hamming_loss"] == pytest.approx(3 / 12)
    # per label F1: 1, 0.8 (tp 2, fp 1), 0.5 (tp 1, fp 1, fn 1)
    assert m["macro_f1"] == pytest.approx((1 + 0.8 + 0.5) / 3)
    assert m["micro_precision"] == pytest.approx(5 / 7) and m["micro_recall"] == pytest.approx(5 / 6)
    assert m["micro_f1"] == pytest.approx(10 / 13)
    assert m["samples_f1"] == pytest.approx((2 / 3 + 1 + 0.8 + 2 / 3) / 4)
    assert m["balanced_accuracy"] == pytest.approx((1 + 0.75 + 0.5) / 3)
    assert m["mcc"] == pytest.approx(np.mean([matthews_corrcoef(Y[:, j], PRED[:, j]) for j in range(3)]))
    assert m["entropy"] == pytest.approx(-(0.9 * np.log(0.9) + 0.1 * np.log(0.1)))
    assert set(m) <= set(METRIC_NAMES)
    assert example_correct(PROBS, Y).tolist() == [False, True, False, False]


def test_perfect_predictions_and_lrap_with_a_row_without_positives():
    y = np.array([[1, 0], [0, 1], [0, 0]])
    m = multilabel_scalar_metrics(np.array([[0.9, 0.2], [0.1, 0.7], [0.3, 0.2]]), y)
    assert m["accuracy"] == 1.0 and m["hamming_loss"] == 0.0 and m["macro_f1"] == 1.0 and m["mcc"] == 1.0
    assert m["lrap"] == pytest.approx(1.0)
    wrong = multilabel_scalar_metrics(np.array([[0.2, 0.9], [0.7, 0.1], [0.3, 0.2]]), y)
    assert wrong["lrap"] == pytest.approx((0.5 + 0.5 + 1.0) / 3)  # truth ranked second; empty row scores 1


def test_macro_leaves_out_a_label_with_no_example_and_no_prediction():
    y = np.array([[1, 0, 0], [0, 1, 0]])
    m = multilabel_scalar_metrics(np.array([[0.9, 0.1, 0.1], [0.1, 0.9, 0.1]]), y)
    assert m["macro_f1"] == 1.0


def test_empty_input_gives_zeros():
    m = multilabel_scalar_metrics(np.zeros((0, 3)), np.zeros((0, 3)))
    assert set(m) == set(multilabel_scalar_metrics(PROBS, Y)) and all(v == 0.0 for v in m.values())
    assert binary_cross_entropy(np.zeros((0, 3)), np.zeros((0, 3))) == 0.0
    r = multilabel_full_report(np.zeros((0, 2)), np.zeros((0, 2)), ["a", "b"])
    assert r["num_examples"] == 0 and r["classes_without_examples"] == ["a", "b"]


def test_sigmoid_is_stable_and_predict_labels_thresholds():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = sigmoid(np.array([-1000.0, 0.0, 1000.0]))
    assert s.tolist() == [0.0, 0.5, 1.0]
    probs = np.array([[0.5, 0.4], [0.49, 0.3]])
    assert predict_labels(probs).tolist() == [[1, 0], [0, 0]]
    assert predict_labels(probs, np.array([0.6, 0.3])).tolist() == [[0, 1], [0, 1]]


def test_tune_thresholds_fixes_a_label_where_half_is_wrong():
    probs = np.array([[0.30], [0.35], [0.20], [0.10]])
    labels = np.array([[1], [1], [0], [0]])
    assert multilabel_scalar_metrics(probs, labels)["macro_f1"] == 0.0  # 0.5 predicts nothing
    t = tune_thresholds(probs, labels)
    # 0.25 and 0.30 both separate the classes (F1 1); 0.30 is nearer 0.5
    assert t.tolist() == [0.3]
    assert multilabel_scalar_metrics(probs, labels, t)["macro_f1"] == 1.0


def test_tune_thresholds_ties_and_labels_without_positives():
    # label 0: F1 1 for every threshold in 0.15..0.35 -> nearest 0.5 (not the first maximum)
    # label 1: no positive -> 0.5 whatever the probabilities
    probs = np.array([[0.38, 0.9], [0.10, 0.2]])
    labels = np.array([[1, 0], [0, 0]])
    assert tune_thresholds(probs, labels).tolist() == [0.35, 0.5]
    # F1 2/3 at 0.45 and at 0.55..0.90, 0.5 at 0.50: equally near 0.5, the lower wins
    probs = np.array([[0.90], [0.52], [0.47], [0.46]])
    assert tune_thresholds(probs, np.array([[1], [0], [1], [0]])).tolist() == [0.45]


def test_tune_thresholds_matches_a_brute_force_search():
    rng = np.random.default_rng(0)
    labels = (rng.random((300, 6)) < 0.3).astype(int)
    probs = np.clip(0.35 * labels + rng.random((300, 6)) * 0.65, 0, 1)
    got = tune_thresholds(probs, labels)
    for j in range(6):
        scores = [f1_score(labels[:, j], probs[:, j] >= t, zero_division=0) for t in THRESHOLD_GRID]
        best = [t for t, s in zip(THRESHOLD_GRID, scores) if s >= max(scores) - 1e-12]
        assert got[j] == min(best, key=lambda t: (abs(t - 0.5), t))
    assert len(tune_thresholds(rng.random((2000, 30)), rng.random((2000, 30)) < 0.2)) == 30


def test_dispatch_through_metrics():
    assert scalar_metrics(PROBS, Y, 3) == multilabel_scalar_metrics(PROBS, Y)
    t = np.array([0.95, 0.95, 0.95])  # nothing predicted
    assert scalar_metrics(PROBS, Y, 3, thresholds=t)["micro_f1"] == 0.0
    r = full_report(PROBS, Y.astype(float), ["a", "b", "c"], thresholds=np.array([0.5, 0.5, 0.95]))
    assert "confusion_matrix" not in r and r["multi_label"] is True
    assert r["per_class"]["b"] == {"precision": pytest.approx(2 / 3), "recall": 1.0, "f1": pytest.approx(0.8),
                                   "support": 2, "threshold": 0.5}
    assert r["per_class"]["c"]["threshold"] == 0.95 and r["thresholds"] == [0.5, 0.5, 0.95]
    assert r["label_cardinality"] == pytest.approx(6 / 4)
    assert r["predicted_cardinality"] == pytest.approx(5 / 4)  # label c never predicted at 0.95
    assert log_loss(np.array([[0.8, 0.4]]), np.array([[1, 0]])) == pytest.approx(-(np.log(0.8) + np.log(0.6)) / 2)
    # single-label still works the old way
    assert log_loss(np.array([[0.8, 0.2]]), np.array([0])) == pytest.approx(-np.log(0.8))
    assert "hamming_loss" in LOWER_IS_BETTER


def test_make_compute_metrics_multi_label_uses_sigmoid():
    logits = np.array([[2.0, 1.0, -3.0], [-2.0, 0.5, 0.2]])  # sigmoid predicts two labels per row
    labels = np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 1.0]])
    m = make_compute_metrics(3, multi_label=True)(SimpleNamespace(predictions=(logits,), label_ids=labels))
    assert m["accuracy"] == 1.0 and m["hamming_loss"] == 0.0
    assert np.allclose(probabilities(logits, True), 1 / (1 + np.exp(-logits)))
    assert np.allclose(probabilities(logits, False).sum(-1), 1.0)


def test_plot_per_label_f1_writes_png(tmp_path):
    report = multilabel_full_report(PROBS, Y, ["sport", "politics", "tech"], thresholds=np.array([0.35, 0.5, 0.5]))
    path = plot_per_label_f1(report, tmp_path / "plots" / "f1.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_averages_agree_with_scikit_learn_and_a_single_label_column_works():
    from sklearn.metrics import precision_recall_fscore_support

    rng = np.random.default_rng(1)
    y = (rng.random((50, 4)) < 0.4).astype(int)
    probs = rng.random((50, 4))
    m = multilabel_scalar_metrics(probs, y)
    pred = (probs >= 0.5).astype(int)
    for avg in ("macro", "micro", "weighted", "samples"):
        want = precision_recall_fscore_support(y, pred, average=avg, zero_division=0)
        got = [m.get(f"{avg}_{k}") for k in ("precision", "recall", "f1")]
        assert got[2] == pytest.approx(want[2]) and (avg == "samples" or got[:2] == pytest.approx(want[:2]))
    # one label column: its positives, not its negatives, are the class scored
    one = multilabel_scalar_metrics(np.array([[0.9], [0.8], [0.1]]), np.array([[1], [0], [0]]))
    assert one["macro_f1"] == pytest.approx(2 / 3) and one["samples_f1"] == pytest.approx(1 / 3)
