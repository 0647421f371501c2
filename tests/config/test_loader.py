from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from textbench.config import RunConfig, load_run_config
from textbench.config.loader import apply_overrides
from textbench.errors import ConfigError


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "run.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_defaults_without_a_file():
    cfg = load_run_config(None)
    assert isinstance(cfg, RunConfig)
    assert cfg.data.source == "builtin:tweets-sentiment"
    assert cfg.model.name_or_path == "builtin:minilm-l6"
    assert cfg.train.metric_for_best_model == "macro_f1"


def test_values_and_name_from_file(tmp_path):
    cfg = load_run_config(write(tmp_path, "train:\n  learning_rate: 3e-4\n  epochs: 2\n"))
    assert cfg.train.learning_rate == pytest.approx(3e-4)  # YAML 1.1 reads 3e-4 as a string
    assert cfg.train.epochs == 2.0
    assert cfg.output.name == "run"


@pytest.mark.parametrize(
    "text, needle",
    [
        ("train:\n  learnin_rate: 0.1\n", "train.learnin_rate"),
        ("bogus:\n  a: 1\n", "'bogus'"),
        ("train:\n  batch_size: many\n", "train.batch_size: expected an integer"),
        ("train:\n  epochs: [1]\n", "train.epochs: expected a number"),
        ("method:\n  name: magic\n", "method.name: unknown method 'magic'"),
        ("train:\n  group_by_length: 3\n", "train.group_by_length: expected true/false"),
        ("train: 5\n", "train: expected a mapping"),
        ("- a\n- b\n", "expected a mapping of sections"),
        ("train:\n  learning_rate: -1\n", "train.learning_rate: must be > 0"),
        ("train:\n  learning_rate: 0\n", "train.learning_rate: must be > 0"),
        ("train:\n  batch_size: 0\n", "train.batch_size: must be > 0"),
        ("train:\n  epochs: -2\n", "train.epochs: must be > 0"),
        ("train:\n  metric_for_best_model: auc\n", "unknown metric 'auc'"),
        ("method:\n  name: lora\n  r: 0\n", "method.r: LoRA rank must be >= 1"),
        ("method:\n  name: lora\n  rr: 4\n", "unknown key 'method.rr' for method lora; it takes: name,"),
        ("method:\n  name: full\n  r: 4\n", "unknown key 'method.r' for method full"),
        ("method:\n  name: prefix\n  merge_adapter: true\n", "unknown key 'method.merge_adapter' for method prefix"),
        ("method:\n  name: lora\n  head_learning_rate: 0\n", "method.head_learning_rate: must be > 0"),
        ("model:\n  kind: scratch\nmethod:\n  name: linear_probe\n", "needs pretrained weights"),
        ("model:\n  kind: scratch\n  architecture: {attention_type: lsh}\nmethod:\n  name: prefix\n",
         "works with attention_type mha"),
        ("output:\n  name: ../escape\n", "output.name"),
        ("train: {a: [\n", "invalid YAML"),
    ],
)
def test_bad_configs_name_the_file_and_key(tmp_path, text, needle):
    p = write(tmp_path, text)
    with pytest.raises(ConfigError) as e:
        load_run_config(p)
    msg = str(e.value)
    assert needle in msg
    assert str(p) in msg
    assert "\n" not in msg


def test_missing_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_run_config(tmp_path / "nope.yaml")


def test_overrides_apply_and_are_checked(tmp_path):
    cfg = load_run_config(None, ["train.learning_rate=3e-4", "method.name=lora", "data.label_names=[a, b]"])
    assert cfg.train.learning_rate == pytest.approx(3e-4)
    assert cfg.method.name == "lora"
    assert cfg.data.label_names == ["a", "b"]
    with pytest.raises(ConfigError, match="train.nope"):
        load_run_config(None, ["train.nope=1"])
    with pytest.raises(ConfigError, match="KEY=VALUE"):
        apply_overrides({}, ["train.learning_rate"])


def test_scratch_only_settings_are_rejected_for_pretrained():
    with pytest.raises(ConfigError, match="model.architecture"):
        load_run_config(None, ["model.architecture={hidden_size: 8}"])


def test_probe_needs_pretrained_weights():
    with pytest.raises(ConfigError, match="method.name"):
        load_run_config(None, ["model.kind=scratch", "method.name=linear_probe"])


def test_method_settings_round_trip_flat(tmp_path):
    """``method:`` stays one flat mapping in YAML and in the saved config.yaml."""
    from textbench.config.loader import to_dict
    from textbench.methods.lora import LoraSettings

    cfg = load_run_config(write(tmp_path, "method:\n  name: lora\n  r: 4\n  head_learning_rate: 1e-3\n"))
    assert cfg.method.settings == LoraSettings(r=4) and cfg.method.head_learning_rate == 1e-3
    flat = to_dict(cfg)["method"]
    assert flat == {"name": "lora", "r": 4, "alpha": 16.0, "dropout": 0.05, "target_modules": None,
                    "merge_adapter": False, "head_learning_rate": 1e-3}
    again = load_run_config(write(tmp_path, yaml.safe_dump({"method": flat})))
    assert again.method == cfg.method and again.method.describe() == "LoRA r=4, alpha=16"
