"""Train a WordPiece (BERT-style) or byte-level BPE tokenizer on the training texts."""

from __future__ import annotations

from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator

from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import PreTrainedTokenizerFast

from textbench.errors import ConfigError, DataError
from textbench.tokenization.config import TokenizerConfig

WORDPIECE_SPECIALS = {
    "pad_token": "[PAD]",
    "unk_token": "[UNK]",
    "cls_token": "[CLS]",
    "sep_token": "[SEP]",
    "mask_token": "[MASK]",
}
BPE_SPECIALS = {
    "pad_token": "<pad>",
    "bos_token": "<s>",
    "eos_token": "</s>",
    "unk_token": "<unk>",
    "mask_token": "<mask>",
}


def _normalizer(cfg: TokenizerConfig) -> normalizers.Normalizer:
    steps: list[normalizers.Normalizer] = [normalizers.NFKC()]
    if cfg.strip_accents:
        steps += [normalizers.NFD(), normalizers.StripAccents(), normalizers.NFC()]
    if cfg.lowercase:
        steps.append(normalizers.Lowercase())
    return normalizers.Sequence(steps)


def _wordpiece(cfg: TokenizerConfig) -> tuple[Tokenizer, trainers.Trainer]:
    tok = Tokenizer(models.WordPiece(unk_token="[UNK]", max_input_chars_per_word=100))
    bert_clean = normalizers.BertNormalizer(lowercase=False, strip_accents=False)  # control chars, CJK spacing
    tok.normalizer = normalizers.Sequence([bert_clean, _normalizer(cfg)])
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tok.decoder = decoders.WordPiece(prefix="##")
    trainer = trainers.WordPieceTrainer(
        vocab_size=cfg.vocab_size,
        min_frequency=cfg.min_frequency,
        special_tokens=list(WORDPIECE_SPECIALS.values()),
        continuing_subword_prefix="##",
        show_progress=False,
    )
    return tok, trainer


def _bpe(cfg: TokenizerConfig) -> tuple[Tokenizer, trainers.Trainer]:
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.normalizer = _normalizer(cfg)
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=cfg.vocab_size,
        min_frequency=cfg.min_frequency,
        special_tokens=list(BPE_SPECIALS.values()),
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    return tok, trainer


def _post_processor(tok: Tokenizer, first: str, last: str) -> processors.PostProcessor:
    specials = [(first, tok.token_to_id(first)), (last, tok.token_to_id(last))]
    return processors.TemplateProcessing(
        single=f"{first} $A {last}", pair=f"{first} $A {last} $B:1 {last}:1", special_tokens=specials
    )


def _extra_lines(files: list[str], base_dir: Path) -> Iterator[str]:
    for name in files:
        path = Path(name).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if not path.is_file():
            raise DataError(f"tokenizer.extra_files: file not found: {path}")
        try:
            with open(path, encoding="utf-8") as f:
                yield from (line.rstrip("\n") for line in f if line.strip())
        except UnicodeDecodeError as e:
            raise DataError(f"tokenizer.extra_files: {path} is not valid utf-8 at byte {e.start} of a line") from None


def train_tokenizer(
    texts: Iterable[str], cfg: TokenizerConfig, out_dir: Path, *, base_dir: Path | None = None
) -> PreTrainedTokenizerFast:
    """Train a `cfg.train` tokenizer on `texts` (+ `cfg.extra_files`), save it to `out_dir`.

    The saved folder reloads with `AutoTokenizer.from_pretrained(out_dir)`, with
    pad/unk/mask/cls/sep (and bos/eos for BPE) set and model_max_length = cfg.max_length.
    """
    cfg.validate()
    kind = cfg.train
    if kind not in ("wordpiece", "bpe"):
        raise ConfigError(f"tokenizer.train must be wordpiece or bpe to train a tokenizer, got {kind!r}")
    # Check the extra files up front so a missing one fails before training starts.
    extra = list(_extra_lines(cfg.extra_files, Path(base_dir) if base_dir else Path.cwd()))
    corpus = [t for t in chain(texts, extra) if t and t.strip()]
    if not corpus:
        raise DataError("no texts to train the tokenizer on (training split and tokenizer.extra_files are empty)")
    if kind == "wordpiece":
        tok, trainer = _wordpiece(cfg)
        specials = WORDPIECE_SPECIALS
        tok.train_from_iterator(corpus, trainer=trainer, length=len(corpus))
        tok.post_processor = _post_processor(tok, "[CLS]", "[SEP]")
        extra_specials = {}
    else:
        tok, trainer = _bpe(cfg)
        specials = BPE_SPECIALS
        tok.train_from_iterator(corpus, trainer=trainer, length=len(corpus))
        tok.post_processor = processors.Sequence(
            [processors.ByteLevel(trim_offsets=True), _post_processor(tok, "<s>", "</s>")]
        )
        extra_specials = {"cls_token": "<s>", "sep_token": "</s>"}
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, model_max_length=cfg.max_length, **specials, **extra_specials
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(out_dir)
    return fast
