"""Bad input: one line naming the problem, exit code 2, no traceback, no run folder left."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from helpers.cli import textbench, tiny_run_config
from textbench.cli import main


def run_cli(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    err = capsys.readouterr().err.strip()
    return code, err


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding)
    return path


def balanced_csv(path: Path, rows: int = 30, labels=("a", "b", "c")) -> Path:
    lines = ["text,label"] + [f"text number {i} {labels[i % len(labels)]},{labels[i % len(labels)]}" for i in range(rows)]
    return write(path, "\n".join(lines) + "\n")


def train_args(tmp_path: Path, cfg: Path, *extra: str) -> list[str]:
    return ["train", str(cfg), "--output-dir", str(tmp_path / "runs"), *extra]


def cfg_for(tmp_path: Path, data_lines: str, extra: str = "") -> Path:
    return write(tmp_path / "run.yaml", f"data:\n{data_lines}\n{extra}")


def assert_clean_failure(code: int, err: str, tmp_path: Path, *needles: str) -> None:
    assert code == 2, err
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert "Traceback" not in err
    for n in needles:
        assert n in err, (n, err)
    runs = tmp_path / "runs"
    assert not runs.exists() or not any(runs.iterdir()), "a run folder was left behind"


def test_missing_data_file(tmp_path, capsys):
    cfg = cfg_for(tmp_path, f"  source: {tmp_path / 'nope.csv'}")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "nope.csv")


def test_missing_column(tmp_path, capsys):
    data = balanced_csv(tmp_path / "d.csv")
    cfg = cfg_for(tmp_path, f"  source: {data}\n  text_column: review")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "review", "d.csv")


def test_empty_dataset(tmp_path, capsys):
    data = write(tmp_path / "d.csv", "text,label\n")
    cfg = cfg_for(tmp_path, f"  source: {data}")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "d.csv")


def test_empty_split_after_cleaning(tmp_path, capsys):
    balanced_csv(tmp_path / "train.csv")
    balanced_csv(tmp_path / "validation.csv", rows=6)
    write(tmp_path / "test.csv", "text,label\n   ,a\n\t,b\n")
    cfg = cfg_for(tmp_path, f"  source: {tmp_path}")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "test")


def test_one_class_only(tmp_path, capsys):
    data = balanced_csv(tmp_path / "d.csv", labels=("a",))
    cfg = cfg_for(tmp_path, f"  source: {data}")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "class")


def test_test_label_unseen_in_training(tmp_path, capsys):
    balanced_csv(tmp_path / "train.csv", labels=("a", "b"))
    balanced_csv(tmp_path / "validation.csv", rows=6, labels=("a", "b"))
    balanced_csv(tmp_path / "test.csv", rows=6, labels=("a", "b", "zebra"))
    cfg = cfg_for(tmp_path, f"  source: {tmp_path}")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "zebra")


def test_nan_labels(tmp_path, capsys):
    data = write(tmp_path / "d.csv", "text,label\nhello,a\nworld,\nagain,b\n" + "x y,a\n" * 3)
    cfg = cfg_for(tmp_path, f"  source: {data}")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "d.csv", "label")


def test_undecodable_bytes(tmp_path, capsys):
    data = tmp_path / "d.csv"
    data.write_bytes(b"text,label\ncaf\xe9 ok,a\nfine,b\n")
    cfg = cfg_for(tmp_path, f"  source: {data}")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "d.csv", "encoding")


def test_unknown_config_key(tmp_path, capsys):
    cfg = write(tmp_path / "run.yaml", "train:\n  epochz: 3\n")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "run.yaml", "train.epochz", "epochs")


def test_wrong_type(tmp_path, capsys):
    cfg = write(tmp_path / "run.yaml", "train:\n  batch_size: big\n")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "run.yaml", "train.batch_size", "integer")


def test_unknown_model_path(tmp_path, capsys):
    data = balanced_csv(tmp_path / "d.csv", rows=60)
    cfg = cfg_for(tmp_path, f"  source: {data}", f"model:\n  name_or_path: {tmp_path / 'no-model'}\n")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "no-model")


def test_folder_that_is_not_a_model(tmp_path, capsys):
    data = balanced_csv(tmp_path / "d.csv", rows=60)
    (tmp_path / "junk").mkdir()
    write(tmp_path / "junk" / "readme.txt", "hello")
    cfg = cfg_for(tmp_path, f"  source: {data}", f"model:\n  name_or_path: {tmp_path / 'junk'}\n")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "junk")


def test_unknown_builtin_model(tmp_path, capsys):
    code, err = run_cli(train_args(tmp_path, write(tmp_path / "r.yaml", "model:\n  name_or_path: builtin:gpt9\n")), capsys)
    assert_clean_failure(code, err, tmp_path, "built-in model 'gpt9'", "minilm-l6")


def test_max_length_above_model_limit(tmp_path, capsys):
    cfg = write(tmp_path / "r.yaml", "tokenizer:\n  max_length: 4096\n")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "tokenizer.max_length", "512")


def test_bad_override_syntax(tmp_path, capsys):
    code, err = run_cli(["train", "--set", "train.learning_rate", "--output-dir", str(tmp_path / "runs")], capsys)
    assert_clean_failure(code, err, tmp_path, "KEY=VALUE")


def test_predict_on_a_folder_that_is_not_a_run(tmp_path, capsys):
    write(tmp_path / "t.txt", "hello\n")
    code, err = run_cli(["predict", str(tmp_path), "--input", str(tmp_path / "t.txt")], capsys)
    assert code == 2 and "not a run folder" in err and "no complete run" in err


def test_subprocess_exit_code_and_no_traceback(tmp_path):
    cfg = write(tmp_path / "run.yaml", "train:\n  learning_rate: -1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "textbench", "train", str(cfg), "--output-dir", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines()[-1].startswith("error: ")
    assert "train.learning_rate" in proc.stderr
    debug = subprocess.run(
        [sys.executable, "-m", "textbench", "--debug", "train", str(cfg), "--output-dir", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120,
    )
    assert debug.returncode == 2 and "Traceback" in debug.stderr


# --- storage: a full disk, a read-only file system, an output folder that cannot be made ---------
# The tests run as root in CI containers, where chmod does not stop writes; the faults are real
# OSErrors raised from the write paths instead (tests/helpers/faults.py), plus a real
# size-limited tmpfs where mounting is allowed.

def tiny_run_cfg(tmp_path: Path, tiny_csv: Path, tiny_bert_dir: Path, epochs: int = 3) -> Path:
    return tiny_run_config(tmp_path / "tiny.yaml", tiny_csv, tiny_bert_dir, epochs=epochs, threads=1)


def error_line(stderr: str) -> str:
    """The one error line: the last line, the only one starting with 'error:', and no traceback."""
    lines = [ln.rsplit("\r", 1)[-1] for ln in stderr.strip().split("\n")]  # progress bars redraw with \r
    assert "Traceback" not in stderr, stderr[-3000:]
    assert [ln for ln in lines if ln.startswith("error:")] == lines[-1:], stderr[-3000:]
    return lines[-1]


def test_disk_full_while_saving_a_checkpoint_keeps_the_finished_ones_and_resumes(tmp_path, tiny_csv,
                                                                                tiny_bert_dir):
    import json

    from textbench.runs.checkpoints import last_complete_checkpoint

    cfg = tiny_run_cfg(tmp_path, tiny_csv, tiny_bert_dir)
    straight = textbench(["train", str(cfg), "--output-dir", str(tmp_path / "runs"), "--name", "straight"])
    assert straight.returncode == 0, straight.stderr[-2000:]
    args = ["train", str(cfg), "--output-dir", str(tmp_path / "runs"), "--name", "r"]
    first = textbench(args, fault="enospc:2")  # the second checkpoint runs out of space
    assert first.returncode == 2
    line = error_line(first.stderr)
    run = tmp_path / "runs" / "r"
    assert "no space left on the device (ENOSPC)" in line and "free some space" in line
    assert str(run / "checkpoints") in line and "--resume" in line
    man = json.loads((run / "manifest.json").read_text())
    assert man["status"] == "failed" and "No space left on device" in man["error"]
    kept = last_complete_checkpoint(run / "checkpoints")
    assert kept is not None and kept.endswith("checkpoint-6")  # epoch 1 (6 steps of 8 rows) is kept
    assert not (run / "test_metrics.json").exists()

    second = textbench([*args, "--resume"])
    assert second.returncode == 0, second.stderr[-2000:]
    assert json.loads((run / "manifest.json").read_text())["status"] == "complete"
    got = json.loads((run / "test_metrics.json").read_text())
    ref = json.loads((tmp_path / "runs" / "straight" / "test_metrics.json").read_text())
    assert got["confusion_matrix"] == ref["confusion_matrix"]
    assert got["macro_f1"] == pytest.approx(ref["macro_f1"])


def test_read_only_file_system_under_the_run_folder(tmp_path, tiny_csv, tiny_bert_dir, capsys, monkeypatch):
    import tempfile

    from helpers.faults import failing_mkstemp

    monkeypatch.setattr(tempfile, "mkstemp", failing_mkstemp("erofs", "config.yaml"))  # the first file of a new run
    cfg = tiny_run_cfg(tmp_path, tiny_csv, tiny_bert_dir)
    code, err = run_cli(train_args(tmp_path, cfg, "--name", "ro"), capsys)
    assert_clean_failure(code, err, tmp_path, "cannot write", "ro/config.yaml", "read-only file system (EROFS)",
                         "choose another output.dir")


@pytest.mark.parametrize("where", ["under-a-file", "sys"])
def test_output_folder_that_cannot_be_created(tmp_path, tiny_csv, tiny_bert_dir, capsys, where):
    if where == "sys" and not Path("/sys").is_dir():
        pytest.skip("no /sys here")
    out = tmp_path / "a-file" / "runs" if where == "under-a-file" else Path("/sys/textbench-runs")
    write(tmp_path / "a-file", "not a folder\n")
    cfg = tiny_run_cfg(tmp_path, tiny_csv, tiny_bert_dir)
    code, err = run_cli(["train", str(cfg), "--output-dir", str(out)], capsys)
    assert_clean_failure(code, err, tmp_path, "output.dir")
    assert str(out.parent if where == "sys" else out) in err or str(out) in err
    assert not out.exists()


def test_library_write_errors_become_one_line(tmp_path):
    """safetensors and torch.save report a full disk in their own words; those are recognised too."""
    import errno

    from textbench.errors import storage_error

    def save_file(tensors, filename):  # as safetensors.torch.save_file fails on a full disk
        raise RuntimeError("Error while serializing: I/O error: No space left on device (os error 28)")

    try:
        save_file({}, str(tmp_path / "model.safetensors"))
    except RuntimeError as e:
        msg = storage_error(e).one_line()
    assert msg.startswith(f"cannot write {tmp_path / 'model.safetensors'}: no space left") and "RuntimeError" in msg

    def save(obj, f):  # torch.save's stream writer on a full disk
        raise RuntimeError("[enforce fail at inline_container.cc:672] . unexpected pos 576 vs 534")

    try:
        save({}, str(tmp_path / "optimizer.pt"))
    except RuntimeError as e:
        msg = storage_error(e).one_line()
    assert f"writing {tmp_path / 'optimizer.pt'} came up short" in msg and "probably full" in msg
    assert storage_error(OSError(errno.EDQUOT, "Disk quota exceeded", "/x")).one_line().startswith(
        "cannot write /x: disk quota exceeded (EDQUOT)")
    assert storage_error(ValueError("nothing to do with storage")) is None
    assert storage_error(FileNotFoundError(errno.ENOENT, "No such file", "/in.csv")) is None


def test_predict_never_replaces_its_input_or_an_existing_file(tmp_path, capsys):
    texts = write(tmp_path / "t.txt", "hello\n")
    run = tmp_path / "run"  # checked before any model loads: no run needed
    code, err = run_cli(["predict", str(run), "--input", str(texts), "--output", str(texts)], capsys)
    assert code == 2 and "is the input file" in err and texts.read_text() == "hello\n"
    old = write(tmp_path / "old.jsonl", "mine\n")
    code, err = run_cli(["predict", str(run), "--input", str(texts), "--output", str(old)], capsys)
    assert code == 2 and "--overwrite" in err and old.read_text() == "mine\n"
    code, err = run_cli(["predict", str(run), "--input", str(texts), "--output", str(tmp_path)], capsys)
    assert code == 2 and "is a folder" in err


@pytest.mark.parametrize("number", ["-3", "0", "x"])
def test_cli_numbers_are_checked(tmp_path, capsys, number):
    with pytest.raises(SystemExit) as e:
        main(["predict", str(tmp_path), "--input", "-", "--batch-size", number])
    assert e.value.code == 2 and "--batch-size" in capsys.readouterr().err


def test_data_inspect_keeps_earlier_charts_unless_told(tmp_path, capsys):
    out = tmp_path / "inspect"
    out.mkdir()
    write(out / "stats.json", "{}")
    code, err = run_cli(["data", "inspect", "builtin:tweets-sentiment", "--out", str(out)], capsys)
    assert code == 2 and "--overwrite" in err and (out / "stats.json").read_text() == "{}"
    code, err = run_cli(["data", "inspect", "builtin:tweets-sentiment", "--out", str(out / "stats.json")], capsys)
    assert code == 2 and "is a file" in err
    code, _ = run_cli(["data", "inspect", "builtin:tweets-sentiment", "--out", str(out), "--overwrite"], capsys)
    assert code == 0 and (out / "stats.json").read_text() != "{}"


def test_a_key_given_twice_is_an_error_naming_both_lines(tmp_path, capsys):
    cfg = write(tmp_path / "run.yaml", "train:\n  batch_size: 4\n  seed: 7\nmethod: {name: full}\ntrain:\n  epochs: 1\n")
    code, err = run_cli(train_args(tmp_path, cfg), capsys)
    assert_clean_failure(code, err, tmp_path, "line 5", "duplicate key 'train' (first on line 1)")


def test_tilde_in_output_dir_is_one_folder(tmp_path, monkeypatch):
    from textbench.config import load_run_config

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("RUNS", "elsewhere")
    assert load_run_config(None, ["output.dir=~/runs"]).output.dir == str(tmp_path / "runs")
    assert load_run_config(None, ["output.dir=$RUNS/x"]).output.dir == "elsewhere/x"


def test_sigterm_takes_the_ctrl_c_path():
    """SIGTERM calls whatever handles Ctrl-C now: a training run's saving handler, else KeyboardInterrupt."""
    import signal

    from textbench.cli.main import _terminate_as_interrupt

    seen = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: seen.append(signum))
    try:
        _terminate_as_interrupt(signal.SIGTERM, None)
        assert seen == [signal.SIGINT]
        signal.signal(signal.SIGINT, signal.default_int_handler)
        with pytest.raises(KeyboardInterrupt):
            _terminate_as_interrupt(signal.SIGTERM, None)
    finally:
        signal.signal(signal.SIGINT, previous)
