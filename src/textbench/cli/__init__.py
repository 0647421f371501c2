"""Command line: ``textbench train | data inspect | predict | pretrain | study | report``."""

from textbench.cli.main import main

__all__ = ["main"]
