"""Predictions through ONNX Runtime: the exported model (``<run>/onnx/``), same batching and output."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from textbench.errors import RunError
from textbench.tokenization.long_text import LongText, encode


class OnnxPredictor:
    """``predict_proba(texts)`` -> (N, C) from an ONNX model, texts sorted by length, padded per batch."""

    def __init__(self, path: Path, tokenizer: Any, label_names: list[str], max_length: int,
                 batch_size: int = 64, cut: LongText | None = None, multi_label: bool = False,
                 thresholds: np.ndarray | None = None) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = [i.name for i in self.session.get_inputs()]
        self.tokenizer, self.label_names = tokenizer, label_names
        self.max_length, self.batch_size = max_length, batch_size
        self.cut = cut or LongText(max_length)
        self.multi_label, self.thresholds = multi_label, thresholds

    @classmethod
    def from_run(cls, run_dir: Path, *, batch_size: int = 64, int8: bool = False) -> "OnnxPredictor":
        import json

        import yaml
        from transformers import AutoTokenizer

        from textbench.inference.onnx_export import INT8_FILE, MODEL_FILE, ONNX_DIR

        folder = Path(run_dir) / ONNX_DIR
        path = folder / (INT8_FILE if int8 else MODEL_FILE)
        if not path.is_file():
            raise RunError(f"{run_dir}: no {ONNX_DIR}/{path.name}; export it first: textbench export {run_dir}"
                           + (" --int8" if int8 else ""))
        info = json.loads((folder / "export.json").read_text(encoding="utf-8"))
        tokenizer = AutoTokenizer.from_pretrained(Path(run_dir) / "model")
        cut = LongText.of(yaml.safe_load((Path(run_dir) / "config.yaml").read_text(encoding="utf-8"))["tokenizer"])
        thresholds = info.get("thresholds")
        return cls(path, tokenizer, list(info["label_names"]), int(info["max_length"]), batch_size, cut,
                   multi_label=bool(info.get("multi_label", False)),
                   thresholds=None if thresholds is None else np.asarray(thresholds, dtype=np.float64))

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(N, C) probabilities in the order of ``texts``, batched as the PyTorch Predictor batches."""
        from textbench.inference.predictor import check_finite, sorted_batches, text_probabilities

        enc, doc = encode(self.tokenizer, texts, self.cut)
        logits = np.zeros((len(doc), len(self.label_names)), dtype=np.float32)
        for idx, batch in sorted_batches(self.tokenizer, enc, self.batch_size, "np"):
            feed = {k: np.asarray(batch[k], dtype=np.int64) for k in self.inputs}
            logits[idx] = self.session.run(None, feed)[0]  # (B, C) per window
        out = text_probabilities(logits, doc, len(texts), self.cut, self.multi_label)
        check_finite(out)
        return out
