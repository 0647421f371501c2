"""Study reports: report.md and a self-contained report.html, rebuilt from stored runs alone."""

from textbench.report.build import build_report

__all__ = ["build_report"]
