"""method.cache_frozen: the frozen part runs once, and the run ends where the uncached one does.

With every dropout at 0 the frozen part computes the same in train and eval mode,
so a cached run must reproduce the uncached run: same batches, same updates, same
test probabilities. The saved model must then reload with the probabilities the run
measured, and a model the cache cannot stand in for must train the usual way, with
the reason in the manifest.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from datasets import Dataset, DatasetDict

from helpers.interrupt import interrupt_at_step
from textbench.config import load_run_config
from textbench.methods import MethodConfig
from textbench.data import prepare_data
from textbench.errors import RunError
from textbench.inference import Predictor
from textbench.methods import apply_method, caching
from textbench.methods.caching import build_frozen_cache
from textbench.runs.finetune import train_run

DROPOUT_KEYS = ("hidden_dropout_prob", "attention_probs_dropout_prob", "attention_dropout", "classifier_dropout")
NO_DROPOUT_SCRATCH = [
    "model.kind=scratch", "model.architecture.hidden_size=32", "model.architecture.num_hidden_layers=2",
    "model.architecture.num_attention_heads=4", "model.architecture.intermediate_size=64",
    "model.architecture.pooling=mean", "model.architecture.hidden_dropout_prob=0.0",
    "model.architecture.attention_probs_dropout_prob=0.0", "model.architecture.embedding_dropout_prob=0.0",
]


@pytest.fixture(scope="module")
def still_paths(tiny_paths: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The tiny checkpoints with every dropout at 0."""
    root = tmp_path_factory.mktemp("no-dropout")
    out = {}
    for kind, src in tiny_paths.items():
        dst = shutil.copytree(src, root / kind)
        config = json.loads((dst / "config.json").read_text())
        config.update({k: 0.0 for k in DROPOUT_KEYS if k in config})
        (dst / "config.json").write_text(json.dumps(config))
        out[kind] = dst
    return out


def run(tmp_path: Path, csv_path: Path, model: str | None, name: str, *overrides: str):
    model_args = [f"model.name_or_path={model}"] if model else []
    cfg = load_run_config(None, [
        f"data.source={csv_path}", "data.text_column=review", "data.label_column=sentiment", *model_args,
        "tokenizer.max_length=32", "train.epochs=2", "train.batch_size=8", "train.learning_rate=1e-2",
        "train.logging_steps=2", "train.threads=1", f"output.dir={tmp_path / 'runs'}", f"output.name={name}", *overrides,
    ])
    return train_run(cfg, quiet=True)


def measured(run_dir: Path) -> np.ndarray:
    rows = csv.DictReader(open(run_dir / "test_predictions.csv"))
    return np.array([[float(v) for k, v in row.items() if k.startswith("p_")] for row in rows])


def manifest(run_dir: Path) -> dict:
    return json.loads((run_dir / "manifest.json").read_text())


CASES = [
    ("bert", ["method.name=linear_probe"]),
    ("bert", ["method.name=linear_probe", "method.probe_pooling=mean"]),
    ("llama", ["method.name=linear_probe"]),
    ("bert", ["method.name=freeze", "method.trainable_layers=1"]),
    ("llama", ["method.name=freeze", "method.trainable_layers=1"]),
    ("scratch", ["method.name=freeze", "method.trainable_layers=1", *NO_DROPOUT_SCRATCH]),
]


@pytest.mark.parametrize("kind,method", CASES, ids=[f"{k}-{'-'.join(x.split('=')[1] for x in m[:2])}" for k, m in CASES])
def test_cached_run_equals_uncached_and_reloads(tmp_path, tiny_csv, still_paths, kind, method):
    model = None if kind == "scratch" else still_paths[kind]
    if kind == "scratch":  # a fixed tokenizer (a trained one may number its tokens differently each time)
        method = [*method, f"tokenizer.name_or_path={still_paths['bert']}"]
    cached = run(tmp_path, tiny_csv, model, "cached", *method)
    plain = run(tmp_path, tiny_csv, model, "plain", *method, "method.cache_frozen=false")
    assert manifest(cached.run_dir)["frozen_cache"] is True
    assert manifest(plain.run_dir)["frozen_cache"] is False
    assert "cache_frozen: false" in manifest(plain.run_dir)["frozen_cache_detail"]
    cost = cached.test_metrics["cost"]
    assert cost["frozen_cache_seconds"] > 0 and cost["frozen_cache_test_max_abs_diff"] < 1e-5
    assert cost["parameters"] == plain.test_metrics["cost"]["parameters"]
    # the same training: per-epoch validation loss, then the test probabilities of the best model
    evals = [[h["eval_loss"] for h in json.loads((r.run_dir / "trainer_log.json").read_text()) if "eval_loss" in h]
             for r in (cached, plain)]
    np.testing.assert_allclose(evals[0], evals[1], atol=1e-5)
    np.testing.assert_allclose(measured(cached.run_dir), measured(plain.run_dir), atol=1e-5)
    # the saved full model, run on raw text, gives what the run measured
    texts = prepare_data(load_run_config(cached.run_dir / "config.yaml").data).splits["test"]["text"]
    np.testing.assert_allclose(Predictor.from_run(cached.run_dir).predict_proba(texts), measured(cached.run_dir),
                               atol=2e-6)


def test_resume_of_a_cached_run_matches_the_uninterrupted_one(tmp_path, tiny_csv, still_paths, monkeypatch):
    """Checkpoints hold only the trained modules; resuming rebuilds the cache and carries on."""
    from textbench.training import trainer as trainer_mod

    method = ["method.name=freeze", "method.trainable_layers=1", "train.epochs=3"]
    straight = run(tmp_path, tiny_csv, still_paths["bert"], "straight", *method)
    original = trainer_mod.TextbenchTrainer.training_step
    interrupt_at_step(monkeypatch, 8)  # in the second epoch, after the epoch-1 checkpoint
    with pytest.raises(RunError, match="--resume"):
        run(tmp_path, tiny_csv, still_paths["bert"], "broken", *method)
    monkeypatch.setattr(trainer_mod.TextbenchTrainer, "training_step", original)
    cfg = load_run_config(tmp_path / "runs" / "broken" / "config.yaml")
    resumed = train_run(cfg, quiet=True, resume=True)
    np.testing.assert_allclose(measured(resumed.run_dir), measured(straight.run_dir), atol=1e-5)


def test_run_without_a_frozen_part_to_cache_says_so(tmp_path, tiny_csv, still_paths):
    res = run(tmp_path, tiny_csv, still_paths["bert"], "all", "method.name=freeze", "method.trainable_layers=2",
              "train.epochs=1")
    m = manifest(res.run_dir)
    assert m["frozen_cache"] is False and "every layer trains" in m["frozen_cache_detail"]
    assert "frozen_cache_seconds" not in res.test_metrics["cost"]


# ---- build_frozen_cache on its own -------------------------------------------------------------


def tokenized(tok, tb) -> DatasetDict:
    data = Dataset.from_dict({"text": tb.SENTENCES, "label": tb.LABELS})
    data = data.map(lambda b: tok(b["text"], truncation=True, max_length=32), batched=True, remove_columns=["text"])
    return DatasetDict({"train": data, "validation": data.select(range(6)), "test": data.select(range(4, 10))})


def full_probs(model, tok, texts) -> np.ndarray:
    return Predictor(model, tok, label_names=["a", "b", "c"], batch_size=3).predict_proba(texts)


@pytest.mark.parametrize("head", ["linear", "mlp"])
def test_probe_on_textbench_model_head_on_features_equals_full_model(load_tiny, tb, head):
    """Our models feed the head their pooled vector; after training the full model agrees."""
    import textbench.models as models
    _, tok = load_tiny("bert")
    torch.manual_seed(0)
    model = models.TextbenchForSequenceClassification(models.TextbenchConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=64, num_labels=3, pad_token_id=tok.pad_token_id, pooling="mean"))
    model = apply_method(model, MethodConfig.of("linear_probe", probe_head=head))
    cache = build_frozen_cache(model, MethodConfig.of("linear_probe", probe_head=head), tokenized(tok, tb), tok)
    assert cache.used and "pooled vector" in cache.detail
    batch = cache.collator([cache.splits["train"][i] for i in range(len(tb.SENTENCES))])
    opt = torch.optim.AdamW(cache.model.parameters(), lr=1e-2)
    cache.model.train()
    for _ in range(3):  # train the head alone, on the cache
        cache.model(**batch).loss.backward()
        opt.step()
        opt.zero_grad()
    np.testing.assert_allclose(cache.probabilities("test"), full_probs(model, tok, tb.SENTENCES[4:10]), atol=1e-5)


def test_freeze_cache_on_performer_model_trains(load_tiny, tb):
    """Cached layers are not asked to redraw their random features (they are frozen, in eval mode)."""
    import textbench.models as models
    _, tok = load_tiny("bert")
    torch.manual_seed(0)
    model = models.TextbenchForSequenceClassification(models.TextbenchConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
        max_position_embeddings=64, num_labels=3, pad_token_id=tok.pad_token_id, attention_type="performer",
        performer_num_features=16, performer_redraw_interval=1))
    method = MethodConfig.of("freeze", trainable_layers=1)
    model = apply_method(model, method)
    frozen_projection = model.textbench.layers[0].attention.projection.clone()
    cache = build_frozen_cache(model, method, tokenized(tok, tb), tok)
    assert cache.used, cache.detail
    cache.model.train()
    cache.model(**cache.collator([cache.splits["train"][i] for i in range(4)])).loss.backward()
    assert torch.equal(model.textbench.layers[0].attention.projection, frozen_projection)
    np.testing.assert_allclose(cache.probabilities("test"), full_probs(model, tok, tb.SENTENCES[4:10]), atol=1e-5)


def test_fallbacks_leave_the_model_as_it_was(load_tiny, tb, monkeypatch):
    model, tok = load_tiny("llama")
    data = tokenized(tok, tb)
    probe = MethodConfig(name="linear_probe")
    model = apply_method(model, probe)
    before = full_probs(model, tok, tb.SENTENCES)

    assert "no frozen part" in build_frozen_cache(model, MethodConfig(name="lora"), data, tok).detail
    assert "cache_frozen: false" in build_frozen_cache(
        model, MethodConfig.of("linear_probe", cache_frozen=False), data, tok).detail
    too_big = build_frozen_cache(model, probe, data, tok, max_bytes=10)
    assert not too_big.used and "GiB" in too_big.detail
    # a cache that does not reproduce the model's logits is refused before training
    monkeypatch.setattr(caching, "_last_token", lambda ids, pad: torch.zeros(len(ids), dtype=torch.long))
    wrong = build_frozen_cache(model, probe, data, tok)
    assert not wrong.used and "does not reproduce" in wrong.detail
    assert not model.score._forward_pre_hooks and not model.score._forward_hooks
    np.testing.assert_allclose(full_probs(model, tok, tb.SENTENCES), before, atol=1e-6)
