"""``model/README.md``: a Hugging Face model card for every saved run (huggingface_hub's ModelCard).

YAML metadata (library, task, tags, base model, the test results as model-index entries) and
a short body: the data (source, split hashes, label names), the method and training settings,
the test metrics, intended use and limitations (truncation length, the training data's
language and domain), and how to load the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CARD_FILE = "README.md"
SHOWN = ("accuracy", "macro_f1", "balanced_accuracy", "mcc")
SHOWN_MULTI_LABEL = ("accuracy", "micro_f1", "macro_f1", "samples_f1", "hamming_loss", "lrap")
BUILTIN_HUB_IDS = {"builtin:minilm-l6": "sentence-transformers/all-MiniLM-L6-v2",
                   "builtin:smollm2-135m": "HuggingFaceTB/SmolLM2-135M-Instruct"}


def write_model_card(folder: Path, *, name: str, config: dict[str, Any], scores: dict[str, Any],
                     label_names: list[str], data: Any, method: str, tag: str, baseline: bool = False) -> Path:
    """Write the card of the model saved in ``folder`` (``data`` is the run's DataRecord)."""
    from huggingface_hub import EvalResult, ModelCard, ModelCardData

    model = config.get("model") or {}
    base = model.get("name_or_path") if model.get("kind") == "pretrained" else None
    base = BUILTIN_HUB_IDS.get(base, base)
    source = data.source or (config.get("data") or {}).get("source", "")
    results = [EvalResult(task_type="text-classification", dataset_type="custom", dataset_name=_short(source),
                          dataset_split="test", metric_type=key if key != "macro_f1" else "f1",
                          metric_name=key.replace("_", "-"), metric_value=round(float(scores[key]), 4))
               for key in _shown(scores) if isinstance(scores.get(key), (int, float))]
    card_data = ModelCardData(
        library_name="scikit-learn" if baseline else "transformers", pipeline_tag="text-classification",
        tags=["textbench", "text-classification", tag], model_name=name, eval_results=results or None,
        base_model=base if base and not Path(str(base)).exists() else None,
    )
    content = f"---\n{card_data.to_yaml()}\n---\n\n" + _body(name, config, scores, label_names, data, method, baseline)
    path = folder / CARD_FILE
    ModelCard(content).save(path)
    return path


def _shown(scores: dict[str, Any]) -> tuple[str, ...]:
    return SHOWN_MULTI_LABEL if scores.get("multi_label") else SHOWN


def _short(source: str) -> str:
    return Path(str(source).rstrip("/")).name or str(source)


def _body(name: str, config: dict[str, Any], scores: dict[str, Any], labels: list[str], data: Any, method: str,
          baseline: bool) -> str:
    train = config.get("train") or {}
    max_length = (config.get("tokenizer") or {}).get("max_length")
    rows = (data.summary or {}).get("rows") or {}
    lines = [f"# {name}", "", f"A text classifier trained with textbench ({method}).", "",
             "## Data", "",
             f"- Source: `{data.source}`; rows: " + ", ".join(f"{k} {v:,}" for k, v in rows.items()),
             "- Split hashes: " + ", ".join(f"{k} `{v[:12]}`" for k, v in (data.split_hashes or {}).items()),
             f"- Labels ({len(labels)}): " + ", ".join(f"`{x}`" for x in labels), "",
             "## Training", ""]
    if baseline:
        lines.append(f"- Baseline `{(config.get('baseline') or {}).get('name')}`, seed {config.get('seed')}")
    else:
        keys = ("epochs", "batch_size", "learning_rate", "weight_decay", "warmup_ratio", "seed")
        lines.append("- " + ", ".join(f"{k} {train[k]}" for k in keys if k in train))
    lines += ["", "## Test results (one run)", "", "| metric | value |", "|---|---:|"]
    lines += [f"| {k.replace('_', '-')} | {float(scores[k]):.4f} |" for k in _shown(scores)
              if isinstance(scores.get(k), (int, float))]
    if scores.get("multi_label"):
        lines += ["", "Multi-label: one sigmoid per label; accuracy is subset accuracy (every label right). A label"
                  " is assigned when its probability reaches its threshold, tuned on validation (`thresholds.json`):",
                  "", "| label | threshold | test F1 |", "|---|---:|---:|"]
        lines += [f"| `{n}` | {v.get('threshold', 0.5):.2f} | {v.get('f1', 0.0):.4f} |"
                  for n, v in (scores.get("per_class") or {}).items()]
    lines += ["", "One seed: a study's report gives the spread over seeds and significance against other arms.",
              "", "## Intended use and limitations", "",
              f"- Classifies short texts into the labels above, in the language and domain of `{_short(data.source)}`;"
              " other languages, domains or label sets are outside what it was tested on.",
              (f"- Texts are cut to {max_length} tokens; longer documents are judged on their start."
               if max_length and not baseline else "- Bag of word and character n-grams: word order is not seen."),
              "", "## How to use", "", "```bash", "textbench predict <this run folder> --input texts.txt", "```"]
    if not baseline:
        lines += ["", "or in Python, for a plain (full, merged or from-scratch) model:", "", "```python",
                  "import textbench.models  # registers the from-scratch model family with the Auto classes",
                  "from transformers import pipeline", "",
                  'classify = pipeline("text-classification", model="<this folder>")', "```"]
    return "\n".join(lines) + "\n"
