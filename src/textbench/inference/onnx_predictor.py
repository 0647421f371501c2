"""Predictions through ONNX Runtime: the exported model (``<run>/onnx/``), same batching and output."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from textbench.errors import RunError


class OnnxPredictor:
    """``predict_proba(texts)`` -> (N, C) from an ONNX model, texts sorted by length, padded per batch."""

    def __init__(self, path: Path, tokenizer: Any, label_names: list[str], max_length: int,
                 batch_size: int = 64) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer, self.label_names = tokenizer, label_names
        self.max_length, self.batch_size = max_length, batch_size

    @classmethod
    def from_run(cls, run_dir: Path, *, batch_size: int = 64, int8: bool = False) -> "OnnxPredictor":
        import json

        from transformers import AutoTokenizer

        from textbench.inference.onnx_export import INT8_FILE, MODEL_FILE, ONNX_DIR

        folder = Path(run_dir) / ONNX_DIR
        path = folder / (INT8_FILE if int8 else MODEL_FILE)
        if not path.is_file():
            raise RunError(f"{run_dir}: no {ONNX_DIR}/{path.name}; export it first: textbench export {run_dir}"
                           + (" --int8" if int8 else ""))
        info = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        tokenizer = AutoTokenizer.from_pretrained(Path(run_dir) / "model")
        return cls(path, tokenizer, list(info["label_names"]), int(info["max_length"]), batch_size)

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(N, C) probabilities in the order of ``texts``, batched as the PyTorch Predictor batches."""
        from textbench.evaluation.metrics import softmax
        from textbench.inference.predictor import check_finite, sorted_batches

        out = np.zeros((len(texts), len(self.label_names)), dtype=np.float32)
        for idx, batch in sorted_batches(self.tokenizer, texts, self.max_length, self.batch_size, "np"):
            feed = {k: np.asarray(batch[k], dtype=np.int64) for k in self.inputs}
            out[idx] = softmax(self.session.run(None, feed)[0].astype(np.float64))  # logits (B, C)
        check_finite(out)
        return out
