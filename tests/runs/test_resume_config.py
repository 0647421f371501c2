"""`--resume` trains with the settings the run started with (#17 case 2), through the CLI."""

from __future__ import annotations

import json

from helpers.cli import textbench, tiny_run_config


def test_resume_with_other_settings_is_refused_and_the_saved_config_continues(tmp_path, tiny_csv, tiny_bert_dir):
    cfg = tiny_run_config(tmp_path / "r.yaml", tiny_csv, tiny_bert_dir, epochs=3, threads=1)
    args = ["train", str(cfg), "--output-dir", str(tmp_path / "runs")]
    changed = ["--set", "train.epochs=6", "--set", "train.batch_size=4"]
    first = textbench([*args, *changed], "sigint:3")
    run = tmp_path / "runs" / "r"
    assert first.returncode == 130, first.stderr

    again = textbench([*args, "--resume"])  # without the --set values it was started with
    assert again.returncode == 2 and "Traceback" not in again.stderr
    for needle in ("train.batch_size (saved 4, now 8)", "train.epochs (saved 6.0, now 3.0)",
                   f"textbench train {run}/config.yaml --resume"):
        assert needle in again.stderr, again.stderr
    assert json.loads((run / "manifest.json").read_text())["status"] == "interrupted"

    saved = textbench(["train", str(run / "config.yaml"), "--resume"])  # the saved settings, as suggested
    assert saved.returncode == 0, saved.stderr
    metrics = json.loads((run / "test_metrics.json").read_text())
    assert metrics["cost"]["epochs_completed"] == 6.0
