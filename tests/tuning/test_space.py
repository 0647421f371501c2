"""Search spaces: strict parsing, per-method defaults, the user's entries replace defaults."""

from __future__ import annotations

import pytest

from textbench.config import load_run_config
from textbench.errors import ConfigError
from textbench.tuning.space import arm_space, default_space, nest_values, parse_space


def test_parse_ranges_and_choices():
    space = parse_space({"train.learning_rate": {"low": 1e-5, "high": 1e-3, "log": True},
                         "train.epochs": {"low": 1, "high": 4, "int": True}, "method.r": [4, 8]}, "tune.space.a")
    assert space["train.learning_rate"].log and space["train.epochs"].integer
    assert space["method.r"].choices == (4, 8)
    assert space["train.learning_rate"].describe() == "log-uniform 1e-05 to 0.001"


@pytest.mark.parametrize("raw, needle", [
    ({"lr": [1]}, "dotted run-config key"),
    ({"train.seed": [1, 2]}, "not searched"),
    ({"data.max_train_samples": [1, 2]}, "not searched"),
    ({"train.learning_rate": {"low": 1e-3, "high": 1e-5}}, "low must be below high"),
    ({"train.learning_rate": {"low": 0, "high": 1, "log": True}}, "log range needs low > 0"),
    ({"train.learning_rate": {"low": 1, "hi": 2}}, "unknown key 'hi'"),
    ({"method.r": []}, "empty list"),
])
def test_bad_spaces_name_the_key(raw, needle):
    with pytest.raises(ConfigError, match=needle):
        parse_space(raw, "tune.space.a")


def test_defaults_follow_the_method_and_the_user_replaces_keys():
    lora = load_run_config(None, ["method.name=lora", "train.epochs=3"])
    space = default_space(lora)
    assert {"train.learning_rate", "train.epochs", "method.r", "method.alpha"} <= set(space)
    assert space["train.learning_rate"].low == 1e-4 and space["train.epochs"].high == 6
    scratch = load_run_config(None, ["model.kind=scratch", "model.name_or_path=x"])
    assert default_space(scratch)["train.learning_rate"].high == 3e-3  # from-scratch models take larger steps
    mine = arm_space(lora, {"method.r": [2]}, "tune.space.lora")
    assert mine["method.r"].choices == (2,) and "method.alpha" in mine
    assert nest_values({"train.learning_rate": 1e-4, "method.r": 8}) == {"train": {"learning_rate": 1e-4},
                                                                          "method": {"r": 8}}
