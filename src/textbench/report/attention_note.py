"""The attention rule of thumb that reports of attention ablation studies show.

Source of the numbers: ``python -m bench attention_scaling`` (BENCHMARKS.md, target 4) measures
forward + backward of the from-scratch encoder (width 256, 4 heads, 2 layers, batch 1, fp32) with
``mha`` (SDPA), ``performer`` (FAVOR+, 266 random features) and ``lsh`` (buckets of 32, 2 hash
rounds) on the 2-core CPU. The constants below are the orientation measurement of issue #6 on
this machine (SDPA faster than FAVOR+ below about 2,500 tokens with 256 features, than LSH below
a few thousand); the harness's quick run of 2026-11-23 ran at load average 6-7 on 2 cores and was
too noisy to replace them. Update them from a full run on a quiet machine (the benchmark's section
in BENCHMARKS.md prints the measured crossovers next to these constants).
"""

from __future__ import annotations

from typing import Any, Iterable

# First sequence length (tokens) at which the kind trains faster than mha on that CPU.
PERFORMER_CROSSOVER = 2500
LSH_CROSSOVER = 4000  # "a few thousand"
# Log-log slope of the peak memory of one training step against length (1 = linear): mha
# materialises its T x T scores in training (dropout on attention), performer and lsh do not.
MEMORY_SLOPE = {"mha": 1.4, "performer": 0.8, "lsh": 0.8}
MEASURED = "issue #6 orientation measurement and bench/attention_scaling.py, 2-core CPU, fp32; see BENCHMARKS.md"


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
            f" {PERFORMER_CROSSOVER:,} tokens per sequence; `performer` is faster above that and `lsh` above about"
            f" {LSH_CROSSOVER:,}. The memory of one training step grows as length^{MEMORY_SLOPE['mha']:g} with `mha`"
            f" and about linearly with `performer` and `lsh`, so they matter when `mha` runs out of memory on long"
            f" documents.")
    if max_length:
        below = max_length < min(PERFORMER_CROSSOVER, LSH_CROSSOVER)
        text += (f" This study truncates to {max_length:,} tokens, "
                 + ("well below the crossover: expect the efficient kinds to cost time here without saving any;"
                    " their value is quality or memory, not speed, at this length."
                    if below else "at or above the crossover, where the efficient kinds can be faster."))
    return text + f" (Source: {MEASURED}.)"
