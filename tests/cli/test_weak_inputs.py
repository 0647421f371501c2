"""The weak cases of the hostile pass (#17): each input fault gets one clear line and exit 2."""

from __future__ import annotations

import gzip
import logging
import zipfile
from pathlib import Path

import pytest

from textbench.cli import main
from textbench.data import DataConfig, prepare_data


def _csv(path: Path, header: str = "text,label", rows: int = 40) -> Path:
    body = "\n".join(f"sample text {i},{'pos' if i % 2 else 'neg'}" for i in range(rows))
    path.write_text(f"{header}\n{body}\n", encoding="utf-8")
    return path


def _err(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    return code, capsys.readouterr().err


@pytest.mark.parametrize("extra, needle", [
    (["--set", "train.seed=-5"], "--set train.seed=-5: must be between 0 and 4294967295"),
    (["--name", "x" * 300], "too long for a folder name"),
    (["--name", ""], "'' is not a plain folder name"),
    (["--set", "train.epochs=abc"], "--set train.epochs=abc: expected a number"),
    (["--set", "data.label_column=text"], "data.text_column and data.label_column are both 'text'"),
])
def test_bad_settings_are_one_line_errors_naming_where_they_came_from(tmp_path, capsys, extra, needle):
    cfg = tmp_path / "run.yaml"
    cfg.write_text(f"data: {{source: {_csv(tmp_path / 'd.csv')}}}\n", encoding="utf-8")
    code, err = _err(["train", str(cfg), "--output-dir", str(tmp_path / "runs"), *extra], capsys)
    assert code == 2 and needle in err and "internal error" not in err, err
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_a_seed_in_a_file_and_in_a_study_is_checked(tmp_path, capsys):
    cfg = tmp_path / "run.yaml"
    cfg.write_text("train: {seed: -5}\n", encoding="utf-8")
    code, err = _err(["train", str(cfg)], capsys)
    assert code == 2 and f"{cfg}: train.seed: must be between" in err


def test_data_files_that_are_not_what_they_seem(tmp_path):
    dup = tmp_path / "dup.csv"
    dup.write_text("text,label,text\n" + "\n".join(f"a{i},{'pos' if i % 2 else 'neg'},b{i}" for i in range(40)) + "\n")
    with pytest.raises(Exception, match="names column 'text' 2 times"):
        prepare_data(DataConfig(source=str(dup)))
    xlsx = tmp_path / "sheet.csv"
    with zipfile.ZipFile(xlsx, "w") as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(Exception, match="ZIP archive .*Excel"):
        prepare_data(DataConfig(source=str(xlsx)))
    plain = _csv(tmp_path / "plain.csv")
    packed = tmp_path / "packed.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    assert prepare_data(DataConfig(source=str(packed))).summary()["rows"] == prepare_data(
        DataConfig(source=str(plain))).summary()["rows"]


def test_a_test_set_copied_from_train_is_said_on_the_console(tmp_path, caplog):
    folder = tmp_path / "data"
    folder.mkdir()
    _csv(folder / "train.csv", rows=60)
    _csv(folder / "test.csv", rows=20)  # the first 20 training rows again
    with caplog.at_level(logging.WARNING, logger="textbench"):
        p = prepare_data(DataConfig(source=str(folder)))
    said = [r.getMessage() for r in caplog.records if "test texts" in r.getMessage()]
    assert said and "of 20 test texts" in said[0] and "also appear in train" in said[0]  # some went to validation
    assert any("also appear in train" in n for n in p.notes)


def test_an_empty_config_says_it_takes_the_defaults(tmp_path, capsys, caplog):
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="textbench"):
        code, err = _err(["train", str(empty), "--set", f"data.source={tmp_path / 'missing.csv'}"], capsys)
    assert code == 2 and "not found" in err
    assert any("is empty; every setting is a built-in default" in r.getMessage() for r in caplog.records)


def test_a_builtin_tokenizer_name_is_understood(tmp_path, capsys):
    code, err = _err(["data", "inspect", str(_csv(tmp_path / "d.csv")), "--out", str(tmp_path / "inspect"),
                      "--set", "tokenizer.name_or_path=builtin:minilm-l6"], capsys)
    assert code == 0, err
    assert "tokens" in (tmp_path / "inspect" / "stats.json").read_text()
