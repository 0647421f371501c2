"""A real (tiny) search: trials are validation-only runs, they prune, a rerun continues, workers share it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from textbench.config import load_run_config
from textbench.data import prepare_data
from textbench.tuning.config import TuneConfig
from textbench.tuning.search import ArmSearch, run_search, storage_url
from textbench.tuning.space import parse_space

SPACE = {"train.learning_rate": {"low": 1e-4, "high": 3e-3, "log": True}, "train.epochs": {"low": 2, "high": 3,
                                                                                          "int": True}}


def base_config(tmp_path: Path, tiny_csv: Path, tiny_bert_dir: Path):
    return load_run_config(None, [
        f"data.source={tiny_csv}", "data.text_column=review", "data.label_column=sentiment",
        f"model.name_or_path={tiny_bert_dir}", "tokenizer.max_length=32", "train.batch_size=8",
        "train.logging_steps=2", "train.threads=1", f"output.dir={tmp_path / 'runs'}", "output.name=base"])


def test_trials_are_validation_only_runs_and_prune(tmp_path, tiny_csv, tiny_bert_dir):
    cfg = base_config(tmp_path, tiny_csv, tiny_bert_dir)
    search = ArmSearch("bert", cfg, parse_space(SPACE, "t"), tmp_path / "tuning" / "bert")
    tune = TuneConfig(trials=4, startup_trials=1)
    prepared = prepare_data(cfg.data)
    summary = run_search(search, tune, storage_url(tune, tmp_path), prepared=prepared)
    assert summary["counted_trials"] == 4 and summary["best"] is not None
    states = [t["state"] for t in summary["trials"]]
    assert set(states) <= {"complete", "pruned"} and states.count("complete") >= 1
    for t in summary["trials"]:
        run = search.folder / f"trial-{t['number']}"
        files = {p.name for p in run.iterdir()}
        assert "validation_metrics.json" in files and "model" not in files
        assert not {"test_metrics.json", "test_predictions.csv", "reference_metrics.json"} & files
        assert json.loads((run / "validation_metrics.json").read_text())["split"] == "validation"
        assert json.loads((run / "manifest.json").read_text())["kind"] == "trial"
    best = load_run_config(search.folder / "best.yaml")
    assert best.train.learning_rate == pytest.approx(summary["best"]["params"]["train.learning_rate"])
    assert best.output == cfg.output  # ready to run where the arm's runs go
    # best.yaml trains and reproduces the best trial's validation score with its seed
    from textbench.runs.finetune import train_run

    again = train_run(best, quiet=True, prepared=prepared)
    history = json.loads((again.run_dir / "trainer_log.json").read_text())
    scores = [r["eval_macro_f1"] for r in history if "eval_macro_f1" in r]
    assert max(scores) == pytest.approx(summary["best"]["value"], abs=1e-9)

    # a rerun continues the stored search: nothing is redone, a larger budget adds only the difference
    again = run_search(search, tune, storage_url(tune, tmp_path), prepared=prepared)
    assert [t["number"] for t in again["trials"]] == [t["number"] for t in summary["trials"]]
    more = run_search(search, TuneConfig(trials=5, startup_trials=1), storage_url(tune, tmp_path), prepared=prepared)
    assert more["counted_trials"] == 5 and len(more["trials"]) == 5


def test_a_trial_cannot_read_the_test_split(tmp_path, tiny_csv, tiny_bert_dir):
    from textbench.runs.kinds import run_kind

    cfg = base_config(tmp_path, tiny_csv, tiny_bert_dir)
    prepared = prepare_data(cfg.data)
    seen: list[list[str]] = []

    class Spy:
        def __init__(self, data):
            self.data = data

        def __getattr__(self, name):
            if name == "without_test":
                def strip():
                    out = self.data.without_test()
                    seen.append(list(out.splits))
                    return out
                return strip
            return getattr(self.data, name)

    run_kind("trial").run(cfg, prepared=Spy(prepared))
    assert seen == [["train", "validation"]]
    with pytest.raises(KeyError):
        prepared.without_test().splits["test"]


WORKER = """
import sys
from pathlib import Path
sys.path.insert(0, {tests!r})
from test_search import base_config, SPACE
from textbench.tuning.config import TuneConfig
from textbench.tuning.search import ArmSearch, run_search, storage_url
from textbench.tuning.space import parse_space
tmp = Path({tmp!r})
cfg = base_config(tmp, Path({csv!r}), Path({bert!r}))
tune = TuneConfig(trials=4, startup_trials=1, pruner="none")
run_search(ArmSearch("bert", cfg, parse_space(SPACE, "t"), tmp / "tuning" / "bert"), tune, storage_url(tune, tmp))
"""


def test_two_workers_share_one_search_without_running_a_trial_twice(tmp_path, tiny_csv, tiny_bert_dir):
    code = WORKER.format(tests=str(Path(__file__).parent), tmp=str(tmp_path), csv=str(tiny_csv),
                         bert=str(tiny_bert_dir))
    procs = [subprocess.Popen([sys.executable, "-c", code]) for _ in range(2)]
    assert [p.wait(timeout=600) for p in procs] == [0, 0]
    summary = json.loads((tmp_path / "tuning" / "bert" / "search.json").read_text())
    numbers = [t["number"] for t in summary["trials"] if t["state"] == "complete"]
    assert len(numbers) >= 4 and len(set(numbers)) == len(numbers)  # one overshoot per extra worker at most
    assert len(numbers) <= 5
    folders = sorted(p.name for p in (tmp_path / "tuning" / "bert").glob("trial-*"))
    assert folders == sorted(f"trial-{n}" for n in numbers)


def test_kill_9_during_a_search_then_rerun_keeps_finished_trials(tmp_path, tiny_csv, tiny_bert_dir):
    import os
    import signal
    import time

    code = WORKER.format(tests=str(Path(__file__).parent), tmp=str(tmp_path), csv=str(tiny_csv),
                         bert=str(tiny_bert_dir))
    proc = subprocess.Popen([sys.executable, "-c", code])
    first = tmp_path / "tuning" / "bert" / "trial-0" / "validation_metrics.json"
    deadline = time.monotonic() + 300
    while not first.is_file() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    time.sleep(1.0)  # into the next trial
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert first.is_file()
    import optuna

    done_before = {t.number: t.value for t in optuna.load_study(study_name="bert", storage=storage_url(
        TuneConfig(), tmp_path)).get_trials(states=(optuna.trial.TrialState.COMPLETE,))}
    assert 0 in done_before
    cfg = base_config(tmp_path, tiny_csv, tiny_bert_dir)
    tune = TuneConfig(trials=4, startup_trials=1, pruner="none")
    summary = run_search(ArmSearch("bert", cfg, parse_space(SPACE, "t"), tmp_path / "tuning" / "bert"), tune,
                         storage_url(tune, tmp_path))
    complete = {t["number"]: t["value"] for t in summary["trials"] if t["state"] == "complete"}
    assert len(complete) == 4 and all(complete[n] == v for n, v in done_before.items())  # none redone
    killed = [t for t in summary["trials"] if t["state"] not in ("complete", "pruned")]
    assert len(killed) <= 1  # the trial the kill interrupted: not counted


def test_the_pruning_callback_reports_each_epoch_and_stops_a_pruned_trial(tmp_path, tiny_csv, tiny_bert_dir):
    from textbench.runs.kinds import run_kind
    from textbench.tuning.pruning import PruningCallback

    class Trial:  # Optuna's side: records reports, prunes at the second epoch
        def __init__(self):
            self.reports = []

        def report(self, value, step):
            self.reports.append((step, value))

        def should_prune(self):
            return len(self.reports) >= 2

    cfg = base_config(tmp_path, tiny_csv, tiny_bert_dir)
    cfg = cfg.__class__(**{**vars(cfg), "train": cfg.train.__class__(**{**vars(cfg.train), "epochs": 4.0})})
    trial = Trial()
    callback = PruningCallback(trial, "macro_f1")
    result = run_kind("trial").run(cfg, callbacks=[callback])
    assert callback.pruned and [s for s, _ in trial.reports] == [1, 2]
    assert result.test_metrics["cost"]["epochs_completed"] == pytest.approx(2.0)  # stopped, not 4 epochs
