"""--multi-label / --label-delimiter: the short path for a multi-label file, in study, train and data inspect."""

from __future__ import annotations

import json

import yaml

from textbench.cli import main


def test_write_template_for_multi_label_data(tmp_path, tiny_multilabel_csv, capsys):
    out = tmp_path / "study.yaml"
    assert main(["study", "--write-template", str(out), "--data", str(tiny_multilabel_csv),
                 "--label-column", "labels", "--label-delimiter", "|"]) == 0
    data = yaml.safe_load(out.read_text())["data"]
    assert data["multi_label"] is True and data["label_delimiter"] == "|" and data["label_column"] == "labels"
    assert main(["study", str(out), "--multi-label"]) == 2
    assert "as do --multi-label / --label-delimiter (a study file names its columns)" in capsys.readouterr().err


def test_data_inspect_counts_rows_per_label(tmp_path, tiny_multilabel_csv, capsys):
    assert main(["data", "inspect", str(tiny_multilabel_csv), "--label-column", "labels", "--multi-label",
                 "--label-delimiter", "|", "--out", str(tmp_path / "inspect")]) == 0
    said = capsys.readouterr().out
    assert "rows (labels per row)" in said
    stats = json.loads((tmp_path / "inspect" / "stats.json").read_text())
    assert stats["multi_label"] is True and sorted(stats["label_names"]) == ["music", "politics", "sport"]


def test_the_delimiter_decides_what_a_label_is(tmp_path, tiny_multilabel_csv, capsys):
    assert main(["data", "inspect", str(tiny_multilabel_csv), "--label-column", "labels", "--multi-label",
                 "--out", str(tmp_path / "i")]) == 0
    names = json.loads((tmp_path / "i" / "stats.json").read_text())["label_names"]
    assert "sport|politics" in names and len(names) == 6  # the default delimiter is ","
    assert main(["data", "inspect", str(tiny_multilabel_csv), "--label-column", "labels",
                 "--out", str(tmp_path / "j")]) == 2  # single-label: a row without a label is an error
    assert "multilabel.csv line 8: label in column 'labels' is empty" in capsys.readouterr().err
