"""Ecosystem integration: Auto classes, pipeline, Trainer, LM heads, checkpointing."""

from __future__ import annotations

import pytest
import torch
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import (
    AutoModel,
    AutoModelForCausalLM,
    AutoModelForMaskedLM,
    PreTrainedTokenizerFast,
    Trainer,
    TrainingArguments,
    pipeline,
)

from textbench.errors import ModelError
from textbench.models import (
    TextbenchForCausalLM,
    TextbenchForMaskedLM,
    TextbenchForSequenceClassification,
    TextbenchModel,
)

SENTENCES = ["the movie was great", "the movie was awful", "a great film", "an awful film"]


def _tokenizer() -> PreTrainedTokenizerFast:
    words = sorted({w for s in SENTENCES for w in s.split()})
    vocab = {"[PAD]": 0, "[UNK]": 1, **{w: i + 2 for i, w in enumerate(words)}}
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]")


def test_text_classification_pipeline(make_config, tmp_path):
    config = make_config(
        pooling="mean", id2label={0: "neg", 1: "pos"}, label2id={"neg": 0, "pos": 1}
    )
    TextbenchForSequenceClassification(config).save_pretrained(tmp_path)
    _tokenizer().save_pretrained(tmp_path)
    classify = pipeline("text-classification", model=str(tmp_path), tokenizer=str(tmp_path), device="cpu")
    results = classify(["the movie was great", "awful"])
    assert [r["label"] in {"neg", "pos"} for r in results] == [True, True]


def test_auto_classes_load_the_right_models(make_config, tmp_path):
    config = make_config(kind="decoder")
    TextbenchForCausalLM(config).save_pretrained(tmp_path / "clm")
    TextbenchForMaskedLM(make_config()).save_pretrained(tmp_path / "mlm")
    assert type(AutoModelForCausalLM.from_pretrained(tmp_path / "clm")) is TextbenchForCausalLM
    assert type(AutoModelForMaskedLM.from_pretrained(tmp_path / "mlm")) is TextbenchForMaskedLM
    assert type(AutoModel.from_pretrained(tmp_path / "mlm")) is TextbenchModel


class _ToyDataset(torch.utils.data.Dataset):
    def __init__(self) -> None:
        self.ids = torch.randint(1, 100, (16, 8))
        self.labels = (self.ids[:, 0] % 2).long()

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, i: int) -> dict[str, torch.Tensor]:
        return {"input_ids": self.ids[i], "attention_mask": torch.ones(8, dtype=torch.long),
                "labels": self.labels[i]}


def test_trainer_runs_a_few_steps(make_config, tmp_path):
    model = TextbenchForSequenceClassification(make_config(attention_type="performer"))
    args = TrainingArguments(
        output_dir=str(tmp_path), use_cpu=True, report_to=[], max_steps=3,
        per_device_train_batch_size=4, logging_steps=1, save_strategy="no",
        dataloader_num_workers=0, disable_tqdm=True,
    )
    trainer = Trainer(model=model, args=args, train_dataset=_ToyDataset())
    assert trainer.model_accepts_loss_kwargs is False  # mean losses: Trainer scales for accumulation
    result = trainer.train()
    assert result.global_step == 3
    assert torch.isfinite(torch.tensor(result.training_loss))


@pytest.mark.parametrize("tie", [True, False])
def test_masked_lm_loss_and_tying(make_config, tie):
    model = TextbenchForMaskedLM(make_config(tie_word_embeddings=tie))
    ids = torch.randint(1, 100, (2, 9))
    labels = torch.full_like(ids, -100)
    labels[:, 3] = ids[:, 3]
    out = model(ids, labels=labels)
    assert out.logits.shape == (2, 9, 100)
    assert torch.isfinite(out.loss)
    out.loss.backward()
    shared = model.lm_head.decoder.weight.data_ptr() == model.get_input_embeddings().weight.data_ptr()
    assert shared is tie


def test_causal_lm_loss_and_kind_check(make_config):
    model = TextbenchForCausalLM(make_config(kind="decoder", attention_type="lsh"))
    ids = torch.randint(1, 100, (2, 9))
    out = model(ids, labels=ids)
    assert torch.isfinite(out.loss)
    with pytest.raises(ModelError, match="decoder"):
        TextbenchForCausalLM(make_config(kind="encoder"))


def test_tuple_outputs_and_ignored_token_type_ids(make_config):
    model = TextbenchForSequenceClassification(make_config()).eval()
    ids = torch.randint(1, 100, (2, 6))
    out = model(ids, token_type_ids=torch.zeros_like(ids), labels=torch.tensor([0, 1]), return_dict=False)
    assert isinstance(out, tuple) and out[0].dim() == 0 and out[1].shape == (2, 2)


def test_problem_types(make_config):
    ids = torch.randint(1, 100, (2, 6))
    reg = TextbenchForSequenceClassification(make_config(num_labels=1))
    assert torch.isfinite(reg(ids, labels=torch.tensor([0.5, -1.0])).loss)
    multi = TextbenchForSequenceClassification(make_config(num_labels=3))
    assert torch.isfinite(multi(ids, labels=torch.tensor([[1.0, 0, 1], [0, 1, 0]])).loss)


@pytest.mark.parametrize("attention", ["mha", "performer", "lsh"])
def test_gradient_checkpointing_matches(make_config, attention):
    config = make_config(attention_type=attention, performer_redraw_interval=0)
    model = TextbenchForSequenceClassification(config).train()
    ids, labels = torch.randint(1, 100, (2, 7)), torch.tensor([0, 1])
    model(ids, labels=labels).loss.backward()
    plain = [p.grad.clone() for p in model.parameters()]
    model.zero_grad()
    # transformers >= 5.23 names it activation_checkpointing_enable; older releases gradient_...
    (getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable)()
    assert model.textbench.layers[0].gradient_checkpointing
    model(ids, labels=labels).loss.backward()
    for a, p in zip(plain, model.parameters()):
        torch.testing.assert_close(p.grad, a, atol=1e-6, rtol=1e-5)


def test_learned_positions_length_limit(make_config):
    model = TextbenchModel(make_config())
    with pytest.raises(ModelError, match="max_position_embeddings"):
        model(torch.randint(1, 100, (1, 40)))
