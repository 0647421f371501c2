"""Per-label decision thresholds of a multi-label model, saved beside it as ``thresholds.json``.

Tuned on the validation split after training (each label's F1); ``predict`` assigns a label when its
probability reaches the label's threshold.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Sequence

import numpy as np

from textbench.errors import RunError

THRESHOLDS_FILE = "thresholds.json"


def write_thresholds(model_dir: Path, thresholds: Sequence[float], label_names: Sequence[str]) -> Path:
    """Write ``{label: threshold}`` (in label order) to ``model_dir/thresholds.json``."""
    from textbench.utils.io import write_json_atomic

    path = Path(model_dir) / THRESHOLDS_FILE
    write_json_atomic(path, {"tuned_on": "validation", "thresholds": {n: round(float(t), 4) for n, t in
                                                                      zip(label_names, thresholds)}})
    return path


def read_thresholds(model_dir: Path, label_names: Sequence[str]) -> np.ndarray | None:
    """The saved thresholds in label order, or None when the folder has none."""
    path = Path(model_dir) / THRESHOLDS_FILE
    if not path.is_file():
        return None
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))["thresholds"]
        return np.array([float(saved[n]) for n in label_names])
    except (ValueError, KeyError, TypeError) as e:
        raise RunError(f"{path}: unreadable thresholds ({type(e).__name__}: {e}); the file does not match the"
                       f" model's labels {list(label_names)}") from None
