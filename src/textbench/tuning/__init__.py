"""Tuning parity: every model arm of a study gets the same search budget (Optuna underneath).

``TuneConfig`` (the study's ``tune:``), search spaces with per-method defaults (``space``),
and the search itself (``search``): trials are validation-only runs through the run engine,
stored in an Optuna storage so a killed search continues and several workers share it.
"""
