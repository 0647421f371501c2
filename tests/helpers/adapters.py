"""Tiny settings of each adapter of the wider PEFT family, for runs on the tiny BERT."""

from __future__ import annotations

ADAPTERS: dict[str, list[str]] = {
    "dora": ["method.name=dora", "method.r=4"],
    "adalora": ["method.name=adalora", "method.init_r=4", "method.target_r=2", "method.delta_t=1"],
    "ia3": ["method.name=ia3"],
    "loha": ["method.name=loha", "method.r=4"],
    "lokr": ["method.name=lokr", "method.r=4"],
    "vera": ["method.name=vera", "method.r=16"],
    "oft": ["method.name=oft", "method.block_size=8"],
    "boft": ["method.name=boft", "method.block_size=4"],
    "peft": ["method.name=peft", "method.config={peft_type: HRA, r: 2}"],
}
