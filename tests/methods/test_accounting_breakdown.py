"""The run's parameter breakdown agrees with the model family's own count (embeddings, body, head)."""

from textbench.methods import count_parameters


def test_breakdown_matches_model_family_count():
    import textbench.models as tm

    cfg = tm.TextbenchConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                             vocab_size=100, num_labels=3)
    model = tm.TextbenchForSequenceClassification(cfg)
    ours, theirs = count_parameters(model), tm.count_parameters(model)
    for key in ("total", "embeddings", "body", "head"):
        assert ours[key] == theirs[key], key
    assert ours["embeddings"] + ours["body"] == ours["backbone"]
