"""User-facing errors: one line, naming the file/key/row, exit code 2."""

from __future__ import annotations


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
