"""A diverging run stops with the README's message and writes no model (#17 case 3)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from helpers.cli import textbench, tiny_run_config
from textbench.errors import NonFiniteLossError
from textbench.training.callbacks import NonFiniteLossCallback


@pytest.mark.parametrize("logs, hook", [({"loss": 0.5, "grad_norm": float("nan")}, "on_log"),
                                        ({"loss": float("inf")}, "on_log"),
                                        ({"eval_loss": float("nan"), "eval_macro_f1": 0.3}, "on_evaluate")])
def test_any_non_finite_loss_or_gradient_norm_stops_the_run(logs, hook):
    from types import SimpleNamespace

    state = SimpleNamespace(global_step=7)
    cb = NonFiniteLossCallback()
    kwargs = {"logs": logs} if hook == "on_log" else {"metrics": logs}
    with pytest.raises(NonFiniteLossError, match="step 7"):
        getattr(cb, hook)(None, state, None, **kwargs)
    getattr(cb, hook)(None, state, None, **({"logs": {"loss": 0.5, "grad_norm": 2.0}} if hook == "on_log"
                                            else {"metrics": {"eval_loss": 0.4}}))  # finite: nothing happens


def test_a_huge_learning_rate_fails_the_run_without_a_model(tmp_path, tiny_csv, tiny_bert_dir):
    cfg = tiny_run_config(tmp_path / "r.yaml", tiny_csv, tiny_bert_dir, epochs=2, learning_rate=1e30, threads=1,
                          logging_steps=1)
    out = textbench(["train", str(cfg), "--output-dir", str(tmp_path / "runs")])
    assert out.returncode == 2, out.stderr
    assert "lower train.learning_rate" in out.stderr and "Traceback" not in out.stderr
    run = tmp_path / "runs" / "r"
    assert json.loads((run / "manifest.json").read_text())["status"] == "failed"
    assert not (run / "model").exists() and not (run / "test_metrics.json").exists()


def test_predictions_refuse_non_finite_probabilities():
    from textbench.errors import ModelError
    from textbench.inference.predictor import check_finite

    check_finite(np.array([[0.2, 0.8]]))
    with pytest.raises(ModelError, match="not finite .* for 1 of 2 texts"):
        check_finite(np.array([[0.2, 0.8], [np.nan, 0.8]]))
