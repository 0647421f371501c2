"""Batched prediction: texts sorted by length, dynamic padding, no gradients."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np
import torch

from textbench.tokenization.long_text import LongText, aggregate, encode

MODEL_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def sorted_batches(tokenizer: Any, enc: dict[str, list], batch_size: int,
                   tensors: str) -> Iterator[tuple[np.ndarray, Any]]:
    """(row indices, padded batch) over encoded rows sorted by length: little padding."""
    order = np.argsort([len(x) for x in enc["input_ids"]], kind="stable")
    for s in range(0, len(order), batch_size):
        idx = order[s : s + batch_size]
        yield idx, tokenizer.pad([{k: enc[k][i] for k in enc.keys()} for i in idx], return_tensors=tensors)


def text_probabilities(logits: np.ndarray, doc: np.ndarray, n_texts: int, cut: LongText,
                       multi_label: bool = False) -> np.ndarray:
    """(W, C) window logits -> (N, C) probabilities per text (one window per text unless chunked): a softmax
    over the classes, or with ``multi_label`` one sigmoid per label."""
    per_text = torch.from_numpy(aggregate(logits, doc, n_texts, cut.aggregate)).float()
    return (torch.sigmoid(per_text) if multi_label else torch.softmax(per_text, dim=-1)).numpy()


def is_multi_label(model: Any) -> bool:
    """The model was trained with one sigmoid per label (``problem_type: multi_label_classification``)."""
    return getattr(model.config, "problem_type", None) == "multi_label_classification"


class Predictor:
    """Class probabilities for raw texts from a classification model and its tokenizer (multi-label models:
    a probability per label, and ``thresholds`` to turn them into label sets)."""

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        label_names: list[str],
        max_length: int = 128,
        batch_size: int = 64,
        bf16: bool = False,
        cut: LongText | None = None,
        thresholds: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.multi_label = is_multi_label(model)
        self.thresholds = thresholds
        self.tokenizer = tokenizer
        self.label_names = label_names
        self.cut = cut or LongText(max_length)  # how texts longer than the window are read
        self.max_length = self.cut.max_length
        self.batch_size = batch_size
        self.bf16 = bf16

    @classmethod
    def from_run(cls, run_dir: str | Path, *, batch_size: int = 64, device: str | None = None,
                 quantize: str | None = None) -> "Predictor":
        """The run's model; ``quantize="int8"``: dynamic int8 Linear layers (CPU, opt-in, changes results slightly)."""
        from textbench.inference.loading import load_run_model

        if quantize is not None and quantize != "int8":
            from textbench.errors import ConfigError

            raise ConfigError(f"unknown quantize {quantize!r}; known: int8")
        model, tok, cfg = load_run_model(Path(run_dir), device="cpu" if quantize else device)
        if quantize:
            from textbench.inference.quantize import quantize_dynamic_int8

            model = quantize_dynamic_int8(model)
        from textbench.inference.loading import MODEL_DIR
        from textbench.inference.thresholds import read_thresholds

        id2label = getattr(model.config, "id2label", None) or {}
        names = [id2label[i] for i in sorted(id2label, key=int)]
        return cls(model, tok, label_names=names, batch_size=batch_size, cut=LongText.of(cfg.get("tokenizer", {})),
                   thresholds=read_thresholds(Path(run_dir) / MODEL_DIR, names) if is_multi_label(model) else None)

    @property
    def device(self) -> torch.device:
        return next(self.model.parameters()).device

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """(N, C) probabilities in the order of ``texts``."""
        return self.timed_predict(texts)[0]

    def timed_predict(self, texts: Sequence[str]) -> tuple[np.ndarray, dict[str, float]]:
        """Probabilities plus wall time, throughput and per-text latency (tokenisation included)."""
        n = len(texts)
        start = time.perf_counter()
        enc, doc = encode(self.tokenizer, texts, self.cut)
        logits = np.zeros((len(doc), len(self.label_names)), dtype=np.float32)
        was_training = self.model.training
        self.model.eval()
        dev = self.device
        autocast = torch.autocast(device_type=dev.type, dtype=torch.bfloat16, enabled=self.bf16)
        with torch.inference_mode(), autocast:
            for idx, batch in sorted_batches(self.tokenizer, enc, self.batch_size, "pt"):
                batch = {k: v.to(dev) for k, v in batch.items() if k in MODEL_INPUTS}
                logits[idx] = self.model(**batch).logits.float().cpu().numpy()  # (B, C) per window
        if was_training:
            self.model.train()
        out = text_probabilities(logits, doc, n, self.cut, self.multi_label)
        check_finite(out)
        secs = time.perf_counter() - start
        stats = {
            "inference_seconds": round(secs, 4),
            "texts_per_second": round(n / secs, 2) if secs > 0 else 0.0,
            "ms_per_text": round(1000 * secs / max(n, 1), 3),
            "inference_batch_size": self.batch_size,
        }
        return out, stats


def check_finite(probs: np.ndarray) -> None:
    """ModelError when a model's probabilities are NaN or infinite (a diverged model predicts nothing)."""
    bad = ~np.isfinite(probs).all(axis=-1)
    if bad.any():
        from textbench.errors import ModelError

        raise ModelError(f"the model's outputs are not finite (NaN or inf) for {int(bad.sum())} of {len(probs)}"
                         " texts: its training diverged; train it again with a lower train.learning_rate")
