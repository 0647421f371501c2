"""Entry point: parse, dispatch, and turn user errors into one line and exit code 2."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import traceback
from typing import Callable, Sequence

from textbench.errors import TextbenchError, storage_error

Handler = Callable[[argparse.Namespace], int]

# how to continue after a failed write; finished work is kept (completed checkpoints, complete runs)
_AFTER_STORAGE_ERROR = {
    "train": ", then rerun with --resume to continue from the last complete checkpoint"
             " (without --resume if no run folder was kept)",
    "pretrain": ", then rerun with --resume to continue from the last complete checkpoint"
                " (without --resume if no run folder was kept)",
    "study": ", then rerun the study: complete runs are kept and the others resume",
}


def _quiet_libraries() -> None:
    """Quiet transformers/datasets: by environment for a later import (no heavy import here), and
    directly where they are imported already (the CLI called in-process)."""
    for key, value in (("TOKENIZERS_PARALLELISM", "false"), ("HF_DATASETS_DISABLE_PROGRESS_BARS", "1"),
                       ("HF_HUB_DISABLE_PROGRESS_BARS", "1"), ("TRANSFORMERS_VERBOSITY", "error"),
                       ("DATASETS_VERBOSITY", "error"), ("HF_HUB_VERBOSITY", "error")):
        os.environ.setdefault(key, value)
    logging.getLogger("huggingface_hub").setLevel(logging.ERROR)  # offline: one error line, not each retry
    import warnings

    warnings.filterwarnings("ignore", category=FutureWarning)
    warnings.filterwarnings("ignore", category=UserWarning, module="torch")
    transformers, datasets = sys.modules.get("transformers"), sys.modules.get("datasets")
    if transformers is not None:
        transformers.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()
    if datasets is not None:
        datasets.logging.set_verbosity_error()
        datasets.disable_progress_bars()


def _close_progress_bars() -> None:
    """Close progress bars an exception left open, so the error is the last line printed."""
    tqdm = sys.modules.get("tqdm")
    for bar in list(getattr(getattr(tqdm, "tqdm", None), "_instances", None) or []):
        try:
            bar.close()
        except Exception:  # pragma: no cover - a bar that cannot close must not hide the error
            pass


class _ArgParser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 2 (argparse's own convention)
        self.print_usage(sys.stderr)
        self.exit(2, f"error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    from textbench.cli import commands
    from textbench.cli.env_command import VersionAction

    p = _ArgParser(prog="textbench", description="Train from scratch or fine-tune? Compare both, fairly.")
    p.add_argument("--debug", action="store_true", help="show full tracebacks")
    p.add_argument("--version", action=VersionAction)
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgParser)
    commands.register(sub)
    return p


def _terminate_as_interrupt(signum: int, frame: object) -> None:
    """SIGTERM (schedulers, ``docker stop``, a study stopping its runs) does what Ctrl-C does."""
    handler = signal.getsignal(signal.SIGINT)
    if callable(handler):
        handler(signal.SIGINT, frame)
    else:
        raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)
    try:
        return _main(argv)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    if debug:
        argv = [a for a in argv if a != "--debug"]
    from textbench.runtime.cpus import apply_cpu_env

    apply_cpu_env()  # a run of a parallel study keeps to its cores (before torch starts its threads)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    parser = build_parser()
    args = parser.parse_args(argv)  # --help and --version end here, before any heavy import
    args.debug = debug
    args.argv = argv  # the command line as given (a study's "continue with" repeats it)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    _quiet_libraries()
    try:
        return int(args.handler(args) or 0)
    except TextbenchError as e:
        _close_progress_bars()
        if debug:
            traceback.print_exc()
        print(f"error: {e.one_line()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        _close_progress_bars()
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a failed write (disk full, read-only, ...) or an internal error: one line
        _close_progress_bars()
        if debug:
            traceback.print_exc()
        user = storage_error(e, then=_AFTER_STORAGE_ERROR.get(args.command, ""))
        if user is not None:
            print(f"error: {user.one_line()}", file=sys.stderr)
            return user.exit_code
        msg = " ".join(str(e).split())[:300]
        print(f"error: internal error: {type(e).__name__}: {msg} (rerun with --debug for the traceback)",
              file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
