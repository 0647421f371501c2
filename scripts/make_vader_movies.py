"""Write VADER's movie-review snippets as a 2-class sentiment dataset (a folder of split files).

The stand-in for report 5's sentiment data (9,600 / 2,400 / 1,773 texts, not available here):
10,605 movie-review snippets (Pang & Lee sentences) from VADER's ground truth (Hutto & Gilbert,
ICWSM 2014; MIT licence, ``../shared/datasets/vader``), each rated by 20 people on -4..+4. The mean
valence gives the label with ``builtin:tweets-sentiment``'s cut-offs (negative < -0.5, positive >
0.5); the 562 snippets in between (5%) are left out, so the task is the balanced polarity task of
the snippets' source, as the report's near-equal accuracy and macro-F1 suggest its data was. The
split is the same stratified 80/10/10 with seed 42.

    python scripts/make_vader_movies.py           # -> data/vader-movies/{train,validation,test}.jsonl
    textbench study configs/reproductions/sentiment-runs-cpu.yaml
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from textbench.data.make_builtin import split_rows, valence_class


def read_snippets(path: Path) -> list[dict]:
    """Rows of a VADER ground-truth file (id TAB valence TAB text; UTF-8 with some latin-1 lines)."""
    rows = []
    for number, raw in enumerate(path.read_bytes().split(b"\r\n"), start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            line = raw.decode("latin-1")
        try:
            rid, valence, text = line.split("\t", 2)
            v = float(valence)
        except ValueError:
            sys.exit(f"error: {path}, line {number}: expected 'id<TAB>valence<TAB>text'")
        label = valence_class(v)
        if label != "neutral":
            rows.append({"text": text.strip(), "label": label, "valence": v, "id": int(rid)})
    return rows


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--src", type=Path, default=Path("../shared/datasets/vader/movieReviewSnippets_GroundTruth.txt"))
    p.add_argument("--output", type=Path, default=Path("data/vader-movies"), help="folder to write")
    args = p.parse_args(argv)
    if not args.src.is_file():
        sys.exit(f"error: {args.src}: no such file (the VADER ground truth; see ../shared/datasets/README.md)")
    if args.output.exists() and any(args.output.iterdir()):
        sys.exit(f"error: {args.output}: already exists and is not empty; remove it or pass --output")
    args.output.mkdir(parents=True, exist_ok=True)
    for name, rows in split_rows(read_snippets(args.src)).items():
        with open(args.output / f"{name}.jsonl", "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        counts = {label: sum(r["label"] == label for r in rows) for label in ("negative", "positive")}
        print(f"{name}: {len(rows)} rows {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
