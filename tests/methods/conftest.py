"""Fixtures for the method tests: tiny random BERT-like and Llama-like checkpoints with locally
trained tokenizers (no download), built once per session."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import pytest
import torch
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import (
    AutoModelForSequenceClassification,
    BertConfig,
    BertModel,
    LlamaConfig,
    LlamaModel,
    PreTrainedTokenizerFast,
)

from textbench.tokenization.config import TokenizerConfig
from textbench.tokenization.load import load_tokenizer

SENTENCES = [
    "i love this movie , it is great",
    "what a wonderful happy day",
    "this is awful and i hate it",
    "terrible , sad and bad service",
    "the table is next to the window",
    "the train leaves on monday morning",
    "good food but the street was loud",
    "excellent work , really good job",
    "horrible weather again today",
    "a paper about the new train station",
]
LABELS = [2, 2, 0, 0, 1, 1, 2, 2, 0, 1]
LABEL_NAMES = ["negative", "neutral", "positive"]


def _bert_tokenizer(out: Path) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]"))
    tok.normalizer = normalizers.BertNormalizer(lowercase=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tok.train_from_iterator(SENTENCES, trainers.WordPieceTrainer(vocab_size=200, special_tokens=specials))
    cls, sep = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls), ("[SEP]", sep)]
    )
    tok.decoder = decoders.WordPiece()
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]", cls_token="[CLS]",
        sep_token="[SEP]", mask_token="[MASK]", model_max_length=64,
    )
    fast.save_pretrained(out)
    return fast


def _llama_tokenizer(out: Path) -> PreTrainedTokenizerFast:
    """Byte-level BPE with bos/eos/unk and no pad token (the pad logic must add one)."""
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    specials = ["<unk>", "<s>", "</s>"]
    tok.train_from_iterator(
        SENTENCES, trainers.BpeTrainer(vocab_size=300, special_tokens=specials,
                                       initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    )
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="<unk>", bos_token="<s>", eos_token="</s>", model_max_length=64
    )
    fast.save_pretrained(out)
    return fast


def make_tiny_bert(out: Path) -> Path:
    """A 2-layer, width-32 BERT encoder (with pooler) plus a WordPiece tokenizer."""
    tok = _bert_tokenizer(out)
    cfg = BertConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        intermediate_size=64, max_position_embeddings=64, pad_token_id=tok.pad_token_id,
    )
    BertModel(cfg).save_pretrained(out)
    return out


def make_tiny_llama(out: Path) -> Path:
    """A 2-layer, width-32 Llama decoder (4 heads, 2 kv heads) plus a BPE tokenizer without pad."""
    tok = _llama_tokenizer(out)
    cfg = LlamaConfig(
        vocab_size=len(tok), hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
        num_key_value_heads=2, intermediate_size=64, max_position_embeddings=64,
        bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=None,
        tie_word_embeddings=True,
    )
    LlamaModel(cfg).save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_paths(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    torch.manual_seed(0)
    root = tmp_path_factory.mktemp("tiny-models")
    return {"bert": make_tiny_bert(root / "bert"), "llama": make_tiny_llama(root / "llama")}


def load_classifier(path: Path) -> tuple[Any, Any]:
    """As the runner's build_pretrained does: tokenizer (pad added if missing), then the classifier."""
    tok = load_tokenizer(TokenizerConfig(max_length=64), str(path))
    model = AutoModelForSequenceClassification.from_pretrained(
        path,
        num_labels=len(LABEL_NAMES),
        id2label=dict(enumerate(LABEL_NAMES)),
        label2id={n: i for i, n in enumerate(LABEL_NAMES)},
        pad_token_id=tok.pad_token_id,
        ignore_mismatched_sizes=True,
    )
    return model, tok


@pytest.fixture
def load_tiny(tiny_paths: dict[str, Path]) -> Callable[[str], tuple[Any, Any]]:
    """``load_tiny("bert" | "llama")`` -> (fresh classifier with a seeded new head, tokenizer)."""

    def load(kind: str) -> tuple[Any, Any]:
        torch.manual_seed(0)
        return load_classifier(tiny_paths[kind])

    return load


@pytest.fixture(autouse=True)
def _one_thread() -> Iterator[None]:
    """Tiny tensors gain nothing from more threads on a shared 2-core machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def batch(tok: Any, texts: list[str] | None = None) -> dict[str, torch.Tensor]:
    enc = tok(texts or SENTENCES, padding=True, return_tensors="pt")
    return {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}


def train_a_little(model: Any, tok: Any, steps: int = 3) -> None:
    """A few AdamW steps at a high rate, so trained weights differ clearly from their start."""
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    inputs, labels = batch(tok), torch.tensor(LABELS)
    model.train()
    for _ in range(steps):
        model(**inputs, labels=labels).loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()


def probabilities(model: Any, tok: Any, texts: list[str] | None = None) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(**batch(tok, texts)).logits.float(), dim=-1)  # (N, C)


@pytest.fixture
def tb() -> SimpleNamespace:
    """Helpers for the tests (importlib import mode: test files cannot import each other)."""
    return SimpleNamespace(batch=batch, train_a_little=train_a_little, probabilities=probabilities,
                           SENTENCES=SENTENCES, LABELS=LABELS, LABEL_NAMES=LABEL_NAMES)
