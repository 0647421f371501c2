"""`runs.engine.execute`: one routine claims, records, guards and completes every run kind."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from textbench.errors import RunError
from textbench.runs.engine import RunFolder, RunSpec, execute
from textbench.runs.records import Manifest, read_manifest


def _spec(tmp_path: Path, **kw) -> RunSpec:
    base = dict(kind="baseline", out_dir=tmp_path, name="r", config={"data": {"a": 1}, "train": {"epochs": 1}},
                resume_command="textbench x CONFIG --resume")
    return RunSpec(**{**base, **kw})


def test_a_run_is_recorded_then_completed(tmp_path):
    seen: list[RunFolder] = []

    def body(folder: RunFolder) -> str:
        seen.append(folder)
        assert read_manifest(folder.path).status == "running"
        return "done"

    assert execute(_spec(tmp_path), Manifest(seed=4, notes=["n"]), body) == "done"
    m = read_manifest(tmp_path / "r")
    assert (m.kind, m.status, m.seed, m.notes) == ("baseline", "complete", 4, ["n"])
    assert m.started and m.ended and m.total_seconds is not None
    assert yaml.safe_load((tmp_path / "r" / "config.yaml").read_text()) == {"data": {"a": 1}, "train": {"epochs": 1}}
    assert seen == [RunFolder(tmp_path / "r", False)]


def test_a_failed_fresh_run_leaves_nothing_and_an_interrupted_one_is_resumable(tmp_path):
    def fail(folder: RunFolder) -> None:
        raise ValueError("boom")

    with pytest.raises(ValueError):
        execute(_spec(tmp_path), Manifest(), fail)
    assert not (tmp_path / "r").exists()

    def stop(folder: RunFolder) -> None:
        raise KeyboardInterrupt

    with pytest.raises(RunError, match="textbench x CONFIG --resume"):
        execute(_spec(tmp_path), Manifest(), stop)
    assert read_manifest(tmp_path / "r").status == "interrupted"
    assert execute(_spec(tmp_path), Manifest(), lambda f: f.resuming, resume=True) is True
    assert read_manifest(tmp_path / "r").status == "complete"


def test_resume_refuses_a_changed_section_and_restartable_kinds_start_again(tmp_path):
    spec = _spec(tmp_path, resume_sections=("data",))
    with pytest.raises(RunError):
        execute(spec, Manifest(), lambda f: (_ for _ in ()).throw(KeyboardInterrupt))
    changed = _spec(tmp_path, resume_sections=("data",), config={"data": {"a": 2}})
    with pytest.raises(RunError, match=r"data.a \(saved 1, now 2\).*textbench x .*config.yaml --resume"):
        execute(changed, Manifest(), lambda f: None, resume=True)
    (tmp_path / "r" / "leftover.txt").write_text("x")
    restart = _spec(tmp_path, restart_on_resume=True)
    assert execute(restart, Manifest(), lambda f: f.resuming, resume=True) is False
    assert not (tmp_path / "r" / "leftover.txt").exists()
    with pytest.raises(RunError, match="already complete"):
        execute(restart, Manifest(), lambda f: None, resume=True)


def test_resume_names_every_changed_training_key_but_allows_pacing_ones(tmp_path):
    started = {"data": {"a": 1}, "train": {"epochs": 6, "batch_size": 2, "max_minutes": 1, "logging_steps": 5}}
    spec = _spec(tmp_path, resume_sections=("data", "train"), config=started)
    with pytest.raises(RunError):
        execute(spec, Manifest(), lambda f: (_ for _ in ()).throw(KeyboardInterrupt))
    defaults = {"data": {"a": 1}, "train": {"epochs": 3, "batch_size": 32, "max_minutes": 1, "logging_steps": 5}}
    with pytest.raises(RunError) as e:
        execute(_spec(tmp_path, resume_sections=("data", "train"), config=defaults), Manifest(), lambda f: None,
                resume=True)
    assert "train.batch_size (saved 2, now 32)" in str(e.value) and "train.epochs (saved 6, now 3)" in str(e.value)
    paced = {"data": {"a": 1}, "train": {**started["train"], "max_minutes": 5, "logging_steps": 1}}
    assert execute(_spec(tmp_path, resume_sections=("data", "train"), config=paced), Manifest(),
                   lambda f: f.resuming, resume=True) is True


def test_a_run_folder_has_one_writer(tmp_path):
    """While a process holds a run, another is refused with its PID; the lock goes with the process."""
    import os

    from textbench.runs.lock import lock_holder

    def body(folder: RunFolder) -> str:
        assert lock_holder(folder.path) == str(os.getpid())
        with pytest.raises(RunError, match=f"being trained by process {os.getpid()}"):
            execute(_spec(tmp_path), Manifest(), lambda f: None, resume=True)
        with pytest.raises(RunError, match="being trained by process"):  # not "use --resume"
            execute(_spec(tmp_path), Manifest(), lambda f: None)
        raise KeyboardInterrupt

    with pytest.raises(RunError, match="interrupted"):
        execute(_spec(tmp_path), Manifest(), body)
    assert lock_holder(tmp_path / "r") is None  # released: the run can be resumed
    assert execute(_spec(tmp_path), Manifest(), lambda f: f.resuming, resume=True) is True
