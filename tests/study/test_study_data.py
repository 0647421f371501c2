"""Your data in: `textbench study --data FILE` (or FILE in place of a study file) runs the built-in
comparison on it; `--write-template` writes a study file for it; `--set` overrides study keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from textbench.cli import main
from textbench.errors import ConfigError
from textbench.study import load_study


def user_csv(path: Path) -> Path:
    rows = ["review,category"] + [f"text number {i} about {('goal match', 'vote law', 'chip code')[i % 3]},"
                                  f"{('sports', 'politics', 'tech')[i % 3]}" for i in range(90)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_the_builtin_comparison_runs_on_a_users_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data = {"source": str(user_csv(tmp_path / "mine.csv")), "text_column": "review", "label_column": "category"}
    study = load_study(data=data, overrides=["seeds=[1,2]", "data.max_train_samples=50"])
    assert study.name == "mine" and study.dir == Path("studies") / "mine"
    assert study.data.source == str(tmp_path / "mine.csv") and study.data.text_column == "review"
    assert study.seeds == [1, 2] and study.data.max_train_samples == 50
    assert {a.name for a in study.arms} >= {"majority", "tfidf", "scratch", "minilm-lora", "minilm-full"}
    assert all(a.config.data.source == study.data.source for a in study.arms if a.config is not None)
    assert "mine.csv" in study.cfg.description


def test_cli_takes_a_data_file_for_a_study_file_and_checks_the_flags(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    csv = user_csv(tmp_path / "mine.csv")
    assert main(["study", str(csv), "--text-column", "review", "--label-column", "category", "--dry-run"]) == 0
    captured = capsys.readouterr()
    assert "is data, not a study file" in captured.err and "study mine:" in captured.out
    assert main(["study", "--text-column", "review", "--dry-run"]) == 2
    assert "--text-column / --label-column go with --data" in capsys.readouterr().err
    assert main(["study", "--data", str(csv), "--dry-run"]) == 2  # its columns are not text/label
    assert "no column 'text'" in capsys.readouterr().err


def test_write_template_gives_an_editable_study_file_for_the_data(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    csv = user_csv(tmp_path / "mine.csv")
    out = tmp_path / "my-study.yaml"
    assert main(["study", "--write-template", str(out), "--data", str(csv), "--text-column", "review",
                 "--label-column", "category"]) == 0
    text = out.read_text()
    assert text.startswith("# A study file to edit") and "docs/study-file.md" in text
    assert yaml.safe_load(text)["data"] == {"source": str(csv), "text_column": "review", "label_column": "category"}
    study = load_study(out)
    assert study.name == "mine" and study.data.text_column == "review"
    with pytest.raises(ConfigError, match="exists"):
        from textbench.study.plan import write_template

        write_template(out, None)


def test_train_takes_data_and_columns_on_the_command_line(tmp_path, tiny_bert_dir):
    csv = user_csv(tmp_path / "mine.csv")
    cmd = [sys.executable, "-m", "textbench", "train", "--data", str(csv), "--text-column", "review",
           "--label-column", "category", "--set", f"model.name_or_path={tiny_bert_dir}", "--set", "train.epochs=1",
           "--set", "tokenizer.max_length=32", "--set", "eval.reference_before_training=false",
           "--output-dir", str(tmp_path / "runs"), "--name", "mine"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    cfg = yaml.safe_load((tmp_path / "runs" / "mine" / "config.yaml").read_text())
    assert cfg["data"]["source"] == str(csv) and cfg["data"]["label_column"] == "category"
