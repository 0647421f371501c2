"""The linear probe's heads, and rebuilding them when a probe run is reloaded.

Heads: ``linear`` (dropout -> linear), ``bert`` (dense -> tanh -> dropout -> linear)
and ``mlp`` (LayerNorm -> Linear(h, h/2) -> ReLU -> Dropout -> LayerNorm -> Linear).

Reload: a ``linear`` probe on a model whose head already is one ``nn.Linear``
(BERT's ``classifier``, a decoder's ``score``) keeps that module, so the saved model
is a plain checkpoint. Any other head is recorded in ``config.textbench_probe_head``
and `probe_model_class` gives a subclass of the model's own class that builds the
same head in ``__init__``; ``from_pretrained`` then loads every weight, head included.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from textbench.methods.model_parts import head_names

CONFIG_KEY = "textbench_probe_head"


class ProbeHead(nn.Module):
    """Features ``(B, h)`` (or ``(B, T, h)``, applied per position) -> logits.

    ``first_token``: take position 0 of a ``(B, T, h)`` input first, for models whose
    original head did that itself (RoBERTa-style ``ClassificationHead``).
    """

    def __init__(self, kind: str, in_features: int, num_labels: int, dropout: float, first_token: bool) -> None:
        super().__init__()
        h = in_features
        self.first_token = first_token
        if kind == "linear":
            layers: list[nn.Module] = [nn.Dropout(dropout), nn.Linear(h, num_labels)]
        elif kind == "bert":
            layers = [nn.Linear(h, h), nn.Tanh(), nn.Dropout(dropout), nn.Linear(h, num_labels)]
        elif kind == "mlp":
            mid = max(h // 2, 1)
            layers = [nn.LayerNorm(h), nn.Linear(h, mid), nn.ReLU(), nn.Dropout(dropout),
                      nn.LayerNorm(mid), nn.Linear(mid, num_labels)]
        else:  # the config's Literal type already limits the choice
            raise ValueError(f"unknown probe head {kind!r}")
        self.net = nn.Sequential(*layers)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        if self.first_token and features.dim() == 3:
            features = features[:, 0]  # (B, h)
        return self.net(features)


def _dropout(config: Any) -> float:
    for key in ("classifier_dropout", "hidden_dropout_prob", "hidden_dropout", "dropout"):
        p = getattr(config, key, None)
        if isinstance(p, (int, float)) and not isinstance(p, bool):
            return float(p)
    return 0.1


def probe_spec(model: nn.Module, kind: str) -> dict[str, Any] | None:
    """What `install_probe_head` builds; None when the model's own linear head is kept."""
    name = head_names(model)[-1]  # classifier / score (DistilBERT's pre_classifier stays frozen)
    head = getattr(model, name)
    if kind == "linear" and isinstance(head, nn.Linear):
        return None
    in_features = head.in_features if isinstance(head, nn.Linear) else int(model.config.hidden_size)
    return {
        "kind": kind,
        "module": name,
        "in_features": in_features,
        "num_labels": int(model.config.num_labels),
        "dropout": _dropout(model.config),
        "first_token": not isinstance(head, nn.Linear) and model.config.model_type != "textbench",
    }


def install_probe_head(model: nn.Module, spec: dict[str, Any]) -> None:
    head = ProbeHead(spec["kind"], spec["in_features"], spec["num_labels"], spec["dropout"], spec["first_token"])
    old = getattr(model, spec["module"])
    ref = next(old.parameters(), None)
    if ref is not None:
        head.to(device=ref.device, dtype=ref.dtype)
    setattr(model, spec["module"], head)


def probe_model_class(config: Any) -> type | None:
    """The model class that rebuilds a saved probe head and pooling, or None for a plain model."""
    from textbench.methods.probe_pooling import CONFIG_KEY as POOLING_KEY
    from textbench.methods.probe_pooling import restore_probe_pooling

    if not getattr(config, CONFIG_KEY, None) and getattr(config, POOLING_KEY, "model") == "model":
        return None
    from transformers import AutoModelForSequenceClassification

    base = AutoModelForSequenceClassification._model_mapping[type(config)]

    def __init__(self: nn.Module, config: Any, *args: Any, **kwargs: Any) -> None:
        base.__init__(self, config, *args, **kwargs)
        restore_probe_pooling(self)
        if getattr(config, CONFIG_KEY, None):
            install_probe_head(self, getattr(config, CONFIG_KEY))

    return type(base.__name__, (base,), {"__init__": __init__, "__module__": base.__module__})
