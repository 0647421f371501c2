"""Run folders: claimed before training, never overwritten silently."""

from __future__ import annotations

import datetime as _dt
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from textbench.errors import Interrupted, NonFiniteLossError, RunDiverged, RunError
from textbench.runs.lock import busy_message, lock_holder
from textbench.runs.records import MANIFEST, STATUS_COMPLETE
from textbench.utils.io import read_json, write_json_atomic


def replicate_name(seed: int, fold: int | None = None) -> str:
    """A study run's folder name in its arm: ``seed-<s>``, or ``seed-<s>-fold-<f>`` under cross-validation."""
    return f"seed-{seed}" if fold is None else f"seed-{seed}-fold-{fold}"


def now_iso() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def is_run_dir(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def run_status(path: Path) -> str | None:
    """The status recorded in a run's manifest (None if it is not a run folder)."""
    try:
        return read_json(path / MANIFEST).get("status")
    except (OSError, ValueError):
        return None


def check_writable(folder: Path) -> None:
    """Fail early, with a clear message, when the output folder cannot be written."""
    folder = folder.resolve()
    probe_base = folder
    while not probe_base.exists():
        probe_base = probe_base.parent
    if not probe_base.is_dir():
        raise RunError(f"{folder}: cannot create the output folder, {probe_base} is a file; choose another"
                       " with output.dir")
    # os.access says yes to root even on a read-only file system: try a real file
    try:
        fd, probe = tempfile.mkstemp(prefix=".textbench-write-check-", dir=probe_base)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        raise RunError(f"{folder}: output folder is not writable ({e.strerror}); choose another with"
                       " output.dir") from None


def claim_run_dir(
    out_dir: Path, name: str, *, if_exists: str = "error", resume: bool = False
) -> tuple[Path, bool]:
    """Pick the folder for a run and create it (a fresh run); returns (path, resuming).

    An existing run is resumed only when asked; otherwise it is an error or, with
    ``if_exists: suffix``, the new run gets ``name-2``, ``name-3``, ...
    """
    path, resuming = check_run_dir(out_dir, name, if_exists=if_exists, resume=resume)
    if not resuming:
        path.mkdir(parents=True, exist_ok=False)
    return path, resuming


def check_run_dir(
    out_dir: Path, name: str, *, if_exists: str = "error", resume: bool = False
) -> tuple[Path, bool]:
    """The folder `claim_run_dir` would take and whether it resumes; RunError where it would refuse.

    Creates nothing: the CLI calls it before torch loads, so a busy, existing or missing run
    folder is refused in a fraction of a second.
    """
    check_writable(out_dir)
    path = out_dir / name
    holder = lock_holder(path) if path.is_dir() else None
    if holder is not None:  # a live process trains it: neither --resume nor anything else may touch it
        raise RunError(busy_message(path, holder))
    if path.exists():
        if resume:
            if not is_run_dir(path):
                raise RunError(f"{path}: cannot resume, not a textbench run folder (no {MANIFEST})")
            if run_status(path) == STATUS_COMPLETE:
                raise RunError(f"{path}: the run is already complete; nothing to resume")
            return path, True
        if if_exists == "suffix":
            i = 2
            while (out_dir / f"{name}-{i}").exists():
                i += 1
            path = out_dir / f"{name}-{i}"
        else:
            status = run_status(path) or "not a run"
            raise RunError(
                f"{path}: run folder already exists (status: {status}); use --resume to continue it,"
                " --name NEW to start another, or output.if_exists: suffix"
            )
    elif resume:
        raise RunError(f"{path}: nothing to resume, the run folder does not exist")
    return path, False


def update_manifest(run_dir: Path, **fields: Any) -> dict[str, Any]:
    """Merge fields into manifest.json (written atomically)."""
    path = run_dir / MANIFEST
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = read_json(path)
        except ValueError:
            data = {}
    data.update(fields)
    write_json_atomic(path, data)
    return data


@contextmanager
def guarded_run(run_dir: Path, *, fresh: bool, resume_command: str) -> Iterator[None]:
    """Record how a run ended when it does not complete.

    Ctrl-C marks it ``interrupted`` and says how to resume; a non-finite loss marks it
    ``failed`` with the reason; any other error removes a fresh folder that has no
    checkpoint yet (nothing worth keeping) or marks it ``failed``.
    """
    from textbench.runtime import distributed as dist

    if not dist.is_main():  # under torchrun only the main process keeps the folder's records
        yield
        return
    try:
        yield
    except KeyboardInterrupt:
        _record_end(run_dir, status="interrupted")
        raise Interrupted(
            f"interrupted; checkpoint saved in {run_dir}/checkpoints — continue with"
            f" `{resume_command}` (run {run_dir.name})"
        ) from None
    except NonFiniteLossError as e:
        _record_end(run_dir, status="failed", error=str(e))
        raise RunDiverged(f"{run_dir.name}: {e}") from None
    except BaseException as e:
        ckpts = run_dir / "checkpoints"
        if fresh and not (ckpts.is_dir() and any(ckpts.iterdir())):
            shutil.rmtree(run_dir, ignore_errors=True)
        else:
            _record_end(run_dir, status="failed", error=f"{type(e).__name__}: {e}")
        raise


def _record_end(run_dir: Path, **fields: Any) -> None:
    """Best effort: on a full disk the manifest may not be writable either (the run stays resumable)."""
    try:
        update_manifest(run_dir, **fields, ended=now_iso())
    except OSError:
        pass


def publish_model(run_dir: Path, save: Callable[[Path], None]) -> Path:
    """Write ``run_dir/model`` through a temporary folder, so a kill never leaves half a model."""
    final, tmp = run_dir / "model", run_dir / ".model.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    save(tmp)
    if final.exists():
        shutil.rmtree(final)
    tmp.rename(final)
    return final


PROGRESS_FILE = "progress.json"  # kept up to date by training.callbacks.ProgressFileCallback


def read_progress(run_dir: Path) -> dict[str, Any] | None:
    """How far the run in ``run_dir`` got (epoch, step, max_steps, epochs), if it said so yet."""
    try:
        return read_json(run_dir / PROGRESS_FILE)
    except (OSError, ValueError):
        return None
