"""PEFT: LoRA on the projections, prefix tuning through past_key_values (mha only)."""

from __future__ import annotations

import pytest
import torch
from peft import LoraConfig, PrefixTuningConfig, PromptTuningConfig, get_peft_model
from peft.utils import ModulesToSaveWrapper
from transformers import DynamicCache

from textbench.errors import ModelError
from textbench.models import TextbenchForSequenceClassification, TextbenchModel

LORA_TARGETS = {"mha": ["q_proj", "v_proj"], "performer": ["q_proj", "v_proj"], "lsh": ["qk_proj", "v_proj"]}


def _toy_batch() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    ids = torch.randint(2, 100, (8, 10))
    labels = torch.arange(8) % 2
    ids[:, 0] = labels + 1  # the label is readable from the first token
    mask = torch.ones_like(ids)
    mask[::3, 7:] = 0
    return ids, mask, labels


@pytest.mark.parametrize("attention", sorted(LORA_TARGETS))
def test_lora_attaches_and_trains(make_config, attention):
    model = TextbenchForSequenceClassification(make_config(attention_type=attention))
    peft_model = get_peft_model(
        model, LoraConfig(task_type="SEQ_CLS", target_modules=LORA_TARGETS[attention], r=4)
    )
    attn = peft_model.base_model.model.textbench.layers[0].attention
    assert hasattr(getattr(attn, LORA_TARGETS[attention][0]), "lora_A")
    assert isinstance(peft_model.base_model.model.classifier, ModulesToSaveWrapper)
    trainable = {n for n, p in peft_model.named_parameters() if p.requires_grad}
    assert any("lora_A" in n for n in trainable) and any("classifier" in n for n in trainable)
    assert not any("word_embeddings" in n for n in trainable)

    ids, mask, labels = _toy_batch()
    opt = torch.optim.AdamW([p for p in peft_model.parameters() if p.requires_grad], lr=1e-2)
    losses = []
    for _ in range(15):
        loss = peft_model(input_ids=ids, attention_mask=mask, labels=labels).loss
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("kind", ["encoder", "decoder"])
def test_prefix_tuning_forward_backward(make_config, kind):
    model = TextbenchForSequenceClassification(make_config(kind=kind, pooling="mean"))
    peft_model = get_peft_model(model, PrefixTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4))
    ids, mask, labels = _toy_batch()
    out = peft_model(input_ids=ids, attention_mask=mask, labels=labels)
    assert out.logits.shape == (8, 2)
    out.loss.backward()
    prompt = [p for n, p in peft_model.named_parameters() if "prompt_encoder" in n]
    assert prompt and all(p.grad is not None and p.grad.abs().sum() > 0 for p in prompt)
    assert peft_model(input_ids=ids).logits.shape == (8, 2)  # no mask at all


def test_masked_prefix_changes_nothing(make_config):
    """Prefix keys hidden by the mask leave outputs untouched: real positions are not shifted."""
    model = TextbenchModel(make_config(kind="decoder", position_embedding_type="rope")).eval()
    ids = torch.randint(1, 100, (2, 9))
    prefix = [tuple(torch.randn(2, 2, 4, 3, 8).unbind(0)) for _ in range(2)]  # per layer (k, v)
    mask = torch.cat([torch.zeros(2, 3), torch.ones(2, 9)], dim=1).long()
    plain = model(ids).last_hidden_state
    for past in (prefix, DynamicCache(prefix)):
        with_prefix = model(ids, attention_mask=mask, past_key_values=past).last_hidden_state
        torch.testing.assert_close(with_prefix, plain, atol=1e-5, rtol=1e-4)
    visible = model(ids, past_key_values=prefix).last_hidden_state
    assert not torch.allclose(visible, plain)


@pytest.mark.parametrize("attention", ["performer", "lsh"])
def test_prefix_tuning_rejected_for_linear_attention(make_config, attention):
    model = TextbenchForSequenceClassification(make_config(attention_type=attention))
    peft_model = get_peft_model(model, PrefixTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4))
    ids, mask, labels = _toy_batch()
    with pytest.raises(ModelError, match="only supported with attention_type=mha"):
        peft_model(input_ids=ids, attention_mask=mask, labels=labels)


def test_prefix_shape_mismatch_is_explained(make_config):
    model = TextbenchForSequenceClassification(make_config(attention_hidden_size=16))
    peft_model = get_peft_model(model, PrefixTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4))
    ids, mask, labels = _toy_batch()
    with pytest.raises(ModelError, match="prefix keys have shape"):
        peft_model(input_ids=ids, attention_mask=mask, labels=labels)
    fixed = get_peft_model(
        TextbenchForSequenceClassification(make_config(attention_hidden_size=16)),
        PrefixTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=4, token_dim=16),
    )
    assert fixed(input_ids=ids, attention_mask=mask).logits.shape == (8, 2)


def test_prompt_tuning_through_inputs_embeds(make_config):
    model = TextbenchForSequenceClassification(make_config(attention_type="lsh", pooling="mean"))
    peft_model = get_peft_model(model, PromptTuningConfig(task_type="SEQ_CLS", num_virtual_tokens=3))
    ids, mask, labels = _toy_batch()
    out = peft_model(input_ids=ids, attention_mask=mask, labels=labels)
    out.loss.backward()
    assert out.logits.shape == (8, 2)
