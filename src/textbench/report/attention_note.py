"""The attention rule of thumb that reports of attention ablation studies show.

Source of the numbers: ``python -m bench attention_scaling`` (BENCHMARKS.md, target 4) measures
forward + backward of the from-scratch encoder (width 256, 4 heads, 2 layers, batch 1, fp32,
default dropout) with ``mha`` (SDPA; in training with attention dropout the lean softmax path),
``performer`` (FAVOR+, 266 random features) and ``lsh`` (buckets of 32, 2 hash rounds) on the
2-core CPU. Full run of 2026-11-23 on a quiet machine: equal at 512 tokens (77 ms each), then
mha 201 / performer 152 / lsh 143 ms at 1,024 and 15.1 / 1.5 / 1.2 s at 8,192; peak memory of a
step grows as length^1.62 (mha), ^0.84 (performer), ^0.96 (lsh); mha needed 7.6 GiB at 8,192.
"""

from __future__ import annotations

from typing import Any, Iterable

# First sequence length (tokens) at which the kind trains faster than mha on that CPU.
PERFORMER_CROSSOVER = 512
LSH_CROSSOVER = 512
# Log-log slope of the peak memory of one training step against length (1 = linear): mha
# materialises its T x T scores in training (dropout on attention), performer and lsh do not.
MEMORY_SLOPE = {"mha": 1.6, "performer": 0.8, "lsh": 1.0}
MEASURED = "bench/attention_scaling.py, full run 2026-11-23, 2-core CPU, fp32; see BENCHMARKS.md"


def attention_types(settings: Iterable[dict[str, Any]]) -> list[str]:
    """The distinct ``model.architecture.attention_type`` of from-scratch arms, in order of appearance."""
    seen: list[str] = []
    for st in settings:
        model = (st or {}).get("model") or {}
        if model.get("kind") != "scratch":
            continue
        kind = (model.get("architecture") or {}).get("attention_type") or "mha"
        if kind not in seen:
            seen.append(kind)
    return seen


def study_note(settings: list[dict[str, Any]]) -> str | None:
    """The note for a study whose from-scratch arms differ in attention kind; None otherwise."""
    kinds = attention_types(settings)
    if len(kinds) < 2:
        return None
    lengths = [((st or {}).get("tokenizer") or {}).get("max_length") for st in settings
               if ((st or {}).get("model") or {}).get("kind") == "scratch"]
    lengths = [int(x) for x in lengths if isinstance(x, int) and not isinstance(x, bool)]
    return note_text(kinds, max(lengths) if lengths else None)


def note_text(kinds: list[str], max_length: int | None = None) -> str:
    """A short paragraph for a report whose arms differ in attention kind."""
    text = (f"**Attention kinds and sequence length.** The arms differ in attention ({', '.join(f'`{k}`' for k in kinds)})."
            f" Rule of thumb measured on a 2-core CPU: `mha` (SDPA) trains fastest below about"
            f" {min(PERFORMER_CROSSOVER, LSH_CROSSOVER):,} tokens per sequence; {_faster_above()}. The memory of one training step grows as length^{MEMORY_SLOPE['mha']:g} with `mha`"
            f" and about linearly with `performer` and `lsh`, so they matter when `mha` runs out of memory on long"
            f" documents.")
    if max_length:
        below = max_length < min(PERFORMER_CROSSOVER, LSH_CROSSOVER)
        text += (f" This study truncates to {max_length:,} tokens, "
                 + ("well below the crossover: expect the efficient kinds to cost time here without saving any;"
                    " their value is quality or memory, not speed, at this length."
                    if below else "at or above the crossover, where the efficient kinds can be faster."))
    return text + f" (Source: {MEASURED}.)"


def _faster_above() -> str:
    if PERFORMER_CROSSOVER == LSH_CROSSOVER:
        return "`performer` and `lsh` are faster above that (2-3x at 2,048 tokens, 10x at 8,192)"
    return (f"`performer` is faster above {PERFORMER_CROSSOVER:,} tokens and `lsh` above about"
            f" {LSH_CROSSOVER:,}")
