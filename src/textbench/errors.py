"""User-facing errors: one line, naming the file/key/row, exit code 2."""

from __future__ import annotations

import errno


class TextbenchError(Exception):
    """An error caused by user input (data, config, CLI arguments).

    The CLI prints ``error: <message>`` on one line and exits with ``exit_code``
    (no traceback unless ``--debug``).
    """

    exit_code: int = 2

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message)

    def one_line(self) -> str:
        msg = " ".join(str(self).split())
        if self.hint:
            msg += f" ({' '.join(self.hint.split())})"
        return msg


class ConfigError(TextbenchError):
    """Bad configuration: unknown key, wrong type, invalid value."""


class DataError(TextbenchError):
    """Bad data: missing file/column, empty split, bad labels, undecodable bytes."""


class ModelError(TextbenchError):
    """Bad model setting or a path that is not a model."""


class RunError(TextbenchError):
    """Problem with a run folder (exists, not a run, cannot resume)."""


class Interrupted(RunError):
    """Stopped by Ctrl-C or SIGTERM after saving what can be saved; the message says how to continue."""

    exit_code = 130  # the shell's code for a command stopped by SIGINT


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss (the run is marked failed, its checkpoints kept)."""


class RunDiverged(RunError):
    """A run stopped on a non-finite loss (for a tuning trial: a setting that diverges)."""


class StorageError(TextbenchError):
    """Output cannot be written: disk full, quota exceeded, read-only file system, no permission."""


# errno -> (what happened, what to do); the advice names output.dir because that is where
# textbench writes (runs, studies, checkpoints); the caller adds how to continue.
_FREE = "free some space or choose another output.dir (--output-dir)"
_OTHER = "choose another output.dir (--output-dir)"
_STORAGE_ERRNOS = {
    errno.ENOSPC: ("no space left on the device", _FREE),
    errno.EDQUOT: ("disk quota exceeded", _FREE),
    errno.EFBIG: ("file too large for the file system or its limits", _FREE),
    errno.EROFS: ("read-only file system", _OTHER),
    errno.EACCES: ("permission denied", f"check the folder's permissions or {_OTHER}"),
    errno.EPERM: ("operation not permitted", f"check the folder's permissions or {_OTHER}"),
    errno.ENOTDIR: ("a part of the path is a file, not a folder", _OTHER),
}
_WRITE_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS}
# libraries that write files without raising OSError: safetensors ("... I/O error: No space left
# on device (os error 28)") and torch.save ("PytorchStreamWriter failed writing file ..." or
# "unexpected pos N vs M" from its stream writer when a write comes up short)
_MESSAGE_ERRNOS = (
    ("os error 28", errno.ENOSPC), ("no space left on device", errno.ENOSPC),
    ("os error 122", errno.EDQUOT), ("disk quota exceeded", errno.EDQUOT),
    ("os error 30", errno.EROFS), ("read-only file system", errno.EROFS),
)
_SHORT_WRITE = ("pytorchstreamwriter failed writing file", "unexpected pos ", "file write failed")


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    while exc is not None and exc not in seen and len(seen) < 10:
        seen.append(exc)
        exc = exc.__cause__ or exc.__context__
    return seen


def _written_path(exc: BaseException) -> str | None:
    """The file a library was writing when it failed: a path argument of the innermost frame that has one."""
    import os
    import traceback

    frames = [f for f, _ in traceback.walk_tb(exc.__traceback__)]
    for frame in reversed(frames):
        for name in ("filename", "f", "path", "save_directory", "output_dir"):
            value = frame.f_locals.get(name)
            if isinstance(value, (str, os.PathLike)) and str(value):
                return str(value)
    return None


def storage_error(exc: BaseException, *, then: str = "") -> StorageError | None:
    """The one-line user error for a failed write (disk full, read-only, ...), else None.

    ``exc`` or an exception in its cause/context chain must be an ``OSError`` with one of
    the errnos above, or a library error whose message carries one (safetensors, torch.save).
    ``then`` says how to continue once there is space again (e.g. rerun with --resume); it is
    not added for a read-only or forbidden folder, where the advice is another output.dir.
    """
    for e in _chain(exc):
        if isinstance(e, OSError) and e.errno in _STORAGE_ERRNOS:
            what, todo = _STORAGE_ERRNOS[e.errno]
            paths = [str(p) for p in (e.filename, e.filename2) if p]
            verb = "cannot write" if e.errno in _WRITE_ONLY else "cannot access"  # EACCES/ENOTDIR: reads too
            where = f"{verb} {' -> '.join(paths)}" if paths else "a write failed"
            then_ = then if todo == _FREE else ""  # read-only, no permission: another output.dir, a new run
            return StorageError(f"{where}: {what} ({errno.errorcode[e.errno]}); {todo}{then_}")
    for e in _chain(exc):
        text = str(e).lower()
        for needle, code in _MESSAGE_ERRNOS:
            if needle in text:
                what, todo = _STORAGE_ERRNOS[code]
                path = _written_path(e)
                where = f"cannot write {path}" if path else "a write failed"
                then_ = then if todo == _FREE else ""
                return StorageError(f"{where}: {what} ({errno.errorcode[code]}, {type(e).__name__}); {todo}{then_}")
        if any(needle in text for needle in _SHORT_WRITE):
            path = _written_path(e)
            where = f"writing {path} came up short" if path else "a write came up short"
            return StorageError(f"{where} ({type(e).__name__}: {' '.join(str(e).split())[:100]}), the disk is"
                                f" probably full: {_FREE}{then}")
    return None
