"""Metrics, plots and cost measurements."""
