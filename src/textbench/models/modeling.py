"""Hugging Face-native textbench models: base encoder/decoder and task heads."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn import BCEWithLogitsLoss, CrossEntropyLoss, MSELoss
from transformers import PreTrainedModel
from transformers import initialization as init
from transformers.activations import ACT2FN
from transformers.modeling_outputs import (
    BaseModelOutputWithPooling,
    CausalLMOutput,
    MaskedLMOutput,
    SequenceClassifierOutput,
)

from textbench.errors import ModelError
from textbench.models.attention import LSHAttention, PerformerAttention
from textbench.models.blocks import TextbenchEmbeddings, TextbenchLayer
from textbench.models.configuration import TextbenchConfig
from textbench.models.heads import HEADS
from textbench.models.pooling import POOLING
from textbench.models.positions import POSITIONS
from textbench.models.prefix import check_prefix_shape, layer_prefixes


class TextbenchPreTrainedModel(PreTrainedModel):
    """Weight init (normal, std ``initializer_range``) and HF plumbing shared by all heads."""

    config_class = TextbenchConfig
    config: TextbenchConfig
    base_model_prefix = "textbench"
    supports_gradient_checkpointing = True
    _no_split_modules = ["TextbenchEmbeddings", "TextbenchLayer"]
    # losses are batch means: Trainer must scale them for gradient accumulation itself
    accepts_loss_kwargs = False

    @torch.no_grad()
    def _init_weights(self, module: nn.Module) -> None:
        super()._init_weights(module)
        if isinstance(module, PerformerAttention):
            init.copy_(module.projection, module.reset_projection())
            init.zeros_(module.calls)
        elif isinstance(module, LSHAttention):
            init.copy_(module.rotations, torch.randn_like(module.rotations))


class TextbenchModel(TextbenchPreTrainedModel):
    """Embeddings -> ``layers`` -> final norm (pre-norm only); also returns the pooled vector.

    Positions default to ``cumsum(attention_mask) - 1`` (``arange`` without a
    mask), so real tokens get the same positions under left or right padding;
    prefix-tuning positions are not counted.
    """

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config)
        config.validate()
        positions = POSITIONS.get(config.position_embedding_type, setting="position_embedding_type")
        pos_module = positions(config)
        self.embeddings = TextbenchEmbeddings(config, pos_module if pos_module.additive else None)
        self.rotary = None if pos_module.additive else pos_module
        self.layers = nn.ModuleList(TextbenchLayer(config) for _ in range(config.num_hidden_layers))
        pre = config.norm_position == "pre"
        self.final_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps) if pre else None
        self.pool = POOLING.get(config.pooling, setting="pooling")
        self.post_init()

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def set_input_embeddings(self, value: nn.Embedding) -> None:
        self.embeddings.word_embeddings = value

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,  # accepted and ignored
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        past_key_values: Any = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs: Any,
    ) -> BaseModelOutputWithPooling | tuple:
        if (input_ids is None) == (inputs_embeds is None):
            raise ModelError("pass exactly one of input_ids and inputs_embeds")
        B, T = (input_ids if input_ids is not None else inputs_embeds).shape[:2]
        device = (input_ids if input_ids is not None else inputs_embeds).device
        prefixes = self._prefixes(past_key_values, B)
        P = prefixes[0][0].shape[2] if prefixes else 0
        token_mask, key_mask = split_mask(attention_mask, B, T, P, device)
        if position_ids is None:
            position_ids = default_positions(token_mask, T, device)
            if self.config.position_embedding_type == "learned" and T > self.config.max_position_embeddings:
                raise ModelError(
                    f"sequence length {T} exceeds max_position_embeddings "
                    f"({self.config.max_position_embeddings})"
                )
        if self.training:
            for layer in self.layers:
                if isinstance(layer.attention, PerformerAttention):
                    layer.attention.maybe_redraw()

        hidden = self.embeddings(input_ids, position_ids, inputs_embeds)  # (B, T, D)
        rope = self.rotary(position_ids) if self.rotary is not None else None
        if output_hidden_states is None:
            output_hidden_states = self.config.output_hidden_states
        all_hidden = [hidden] if output_hidden_states else None
        for i, layer in enumerate(self.layers):
            prefix = prefixes[i] if prefixes else None
            hidden = layer(hidden, attention_mask=key_mask, rope=rope, prefix=prefix)
            if all_hidden is not None:
                all_hidden.append(hidden)
        if self.final_norm is not None:
            hidden = self.final_norm(hidden)
            if all_hidden is not None:
                all_hidden[-1] = hidden
        out = BaseModelOutputWithPooling(
            last_hidden_state=hidden,
            pooler_output=self.pool(hidden, token_mask),  # (B, D)
            hidden_states=tuple(all_hidden) if all_hidden is not None else None,
        )
        return out if _return_dict(return_dict, self.config) else out.to_tuple()

    def _prefixes(self, past_key_values: Any, batch: int) -> list | None:
        prefixes = layer_prefixes(past_key_values, len(self.layers))
        if prefixes is None:
            return None
        if self.config.attention_type != "mha":
            raise ModelError(
                "prefix tuning (past_key_values) is only supported with attention_type=mha"
            )
        check_prefix_shape(prefixes[0], batch, self.config.num_attention_heads, self.config.head_size)
        return prefixes


def split_mask(
    attention_mask: torch.Tensor | None, B: int, T: int, P: int, device: torch.device
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """(token mask (B, T), key mask (B, P+T)) as bool, each None when it is all ones."""
    if attention_mask is None:
        return None, None
    mask = attention_mask.to(device=device, dtype=torch.bool)
    if mask.shape == (B, P + T):
        tokens = mask[:, P:]
    elif mask.shape == (B, T):
        tokens = mask
        if P:
            mask = torch.cat([mask.new_ones(B, P), mask], dim=1)
    else:
        raise ModelError(
            f"attention_mask has shape {tuple(mask.shape)}, expected ({B}, {T})"
            + (f" or ({B}, {P + T}) with a {P}-position prefix" if P else "")
        )
    # all ones: drop the mask (a faster path). Not while torch.export / torch.compile traces the model:
    # the test depends on the data, and a graph (an ONNX export) must serve any mask
    if not torch.compiler.is_compiling() and bool(mask.all()):
        return None, None
    return tokens, mask


def default_positions(token_mask: torch.Tensor | None, T: int, device: torch.device) -> torch.Tensor:
    """``arange(T)`` (1, T), or ``cumsum(mask) - 1`` (B, T) so padding does not shift real tokens."""
    if token_mask is None:
        return torch.arange(T, device=device)[None]
    return (token_mask.long().cumsum(dim=1) - 1).clamp_min(0)


def _return_dict(return_dict: bool | None, config: TextbenchConfig) -> bool:
    return return_dict if return_dict is not None else getattr(config, "return_dict", True)


class TextbenchForSequenceClassification(TextbenchPreTrainedModel):
    """Pooled vector -> ``classifier`` head; loss per ``problem_type`` like HF."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config)
        self.num_labels = config.num_labels
        self.textbench = TextbenchModel(config)
        self.classifier = HEADS.get(config.classifier_head, setting="classifier_head")(config)
        self.post_init()

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        past_key_values: Any = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs: Any,
    ) -> SequenceClassifierOutput | tuple:
        out = self.textbench(
            input_ids, attention_mask=attention_mask, position_ids=position_ids,
            inputs_embeds=inputs_embeds, past_key_values=past_key_values,
            output_hidden_states=output_hidden_states, return_dict=True,
        )
        logits = self.classifier(out.pooler_output)  # (B, num_labels)
        loss = None if labels is None else self._loss(logits, labels)
        result = SequenceClassifierOutput(loss=loss, logits=logits, hidden_states=out.hidden_states)
        return result if _return_dict(return_dict, self.config) else result.to_tuple()

    def _loss(self, logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if self.config.problem_type is None:
            if self.num_labels == 1:
                self.config.problem_type = "regression"
            elif labels.dtype in (torch.long, torch.int):
                self.config.problem_type = "single_label_classification"
            else:
                self.config.problem_type = "multi_label_classification"
        if self.config.problem_type == "regression":
            return MSELoss()(logits.squeeze(-1), labels.to(logits.dtype).view(-1)) \
                if self.num_labels == 1 else MSELoss()(logits, labels.to(logits.dtype))
        if self.config.problem_type == "single_label_classification":
            return CrossEntropyLoss()(logits.view(-1, self.num_labels), labels.view(-1))
        return BCEWithLogitsLoss()(logits, labels.to(logits.dtype))


class TextbenchLMHead(nn.Module):
    """dense -> activation -> LayerNorm -> ``decoder`` (vocabulary logits, tied to the input embeddings)."""

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.act = ACT2FN[config.hidden_act]
        self.layer_norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.decoder(self.layer_norm(self.act(self.dense(hidden))))  # (B, T, V)


class TextbenchForMaskedLM(TextbenchPreTrainedModel):
    """Masked language modelling; labels of -100 are ignored."""

    _tied_weights_keys = {"lm_head.decoder.weight": "textbench.embeddings.word_embeddings.weight"}

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config)
        self.textbench = TextbenchModel(config)
        self.lm_head = TextbenchLMHead(config)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head.decoder

    def set_output_embeddings(self, value: nn.Linear) -> None:
        self.lm_head.decoder = value

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        past_key_values: Any = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs: Any,
    ) -> MaskedLMOutput | tuple:
        out = self.textbench(
            input_ids, attention_mask=attention_mask, position_ids=position_ids,
            inputs_embeds=inputs_embeds, past_key_values=past_key_values,
            output_hidden_states=output_hidden_states, return_dict=True,
        )
        logits = self.lm_head(out.last_hidden_state)  # (B, T, V)
        loss = None
        if labels is not None:
            loss = CrossEntropyLoss()(logits.view(-1, logits.shape[-1]), labels.view(-1))
        result = MaskedLMOutput(loss=loss, logits=logits, hidden_states=out.hidden_states)
        return result if _return_dict(return_dict, self.config) else result.to_tuple()


class TextbenchForCausalLM(TextbenchPreTrainedModel):
    """Next-token prediction for ``kind="decoder"`` (loss and logits; no KV-cached `generate`)."""

    _tied_weights_keys = {"lm_head.weight": "textbench.embeddings.word_embeddings.weight"}

    def __init__(self, config: TextbenchConfig) -> None:
        super().__init__(config)
        if config.kind != "decoder":
            raise ModelError("TextbenchForCausalLM needs kind='decoder'", hint=f"got kind={config.kind!r}")
        self.textbench = TextbenchModel(config)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.post_init()

    def get_output_embeddings(self) -> nn.Linear:
        return self.lm_head

    def set_output_embeddings(self, value: nn.Linear) -> None:
        self.lm_head = value

    def forward(
        self,
        input_ids: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
        token_type_ids: torch.Tensor | None = None,
        position_ids: torch.Tensor | None = None,
        inputs_embeds: torch.Tensor | None = None,
        labels: torch.Tensor | None = None,
        past_key_values: Any = None,
        output_hidden_states: bool | None = None,
        return_dict: bool | None = None,
        **kwargs: Any,
    ) -> CausalLMOutput | tuple:
        out = self.textbench(
            input_ids, attention_mask=attention_mask, position_ids=position_ids,
            inputs_embeds=inputs_embeds, past_key_values=past_key_values,
            output_hidden_states=output_hidden_states, return_dict=True,
        )
        logits = self.lm_head(out.last_hidden_state)  # (B, T, V)
        loss = None
        if labels is not None:  # predict token t+1 from positions <= t
            shifted = logits[:, :-1].reshape(-1, logits.shape[-1])
            loss = CrossEntropyLoss()(shifted, labels[:, 1:].reshape(-1))
        result = CausalLMOutput(loss=loss, logits=logits, hidden_states=out.hidden_states)
        return result if _return_dict(return_dict, self.config) else result.to_tuple()
