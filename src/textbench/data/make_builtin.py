"""Build the shipped `builtin:tweets-sentiment` dataset (run once; output is committed).

Provenance: VADER ground truth, `tweets_GroundTruth.txt` from the vaderSentiment
repository (C.J. Hutto, MIT licence), 4,200 tweets rated by 20 people each on
a -4..+4 valence scale (Hutto & Gilbert, ICWSM 2014). The file is
tab-separated `id<TAB>mean valence<TAB>text` with CRLF line ends, latin-1.

Classes from mean valence v: negative if v < -0.5, neutral if -0.5 <= v <= 0.5,
positive if v > 0.5 (1062 / 838 / 2300). Split: stratified 80/10/10 with
sklearn `train_test_split`, seed 42 (first 80/20, then the 20 halved) -> 3360 /
420 / 420. Texts are kept exactly as given; cleaning happens in prepare_data.

Usage (from the project root):
    python -m textbench.data.make_builtin \
        --src ../shared/datasets/vader --out src/textbench/resources/tweets_sentiment
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

LABELS = ("negative", "neutral", "positive")
SEED = 42

CITATION = """# Citation

The `builtin:tweets-sentiment` dataset is derived from the tweets ground truth of VADER:

> Hutto, C.J. & Gilbert, E.E. (2014). VADER: A Parsimonious Rule-based Model for
> Sentiment Analysis of Social Media Text. Eighth International Conference on
> Weblogs and Social Media (ICWSM-14). Ann Arbor, MI, June 2014.

```bibtex
@inproceedings{hutto2014vader,
  title     = {VADER: A Parsimonious Rule-based Model for Sentiment Analysis of Social Media Text},
  author    = {Hutto, C.J. and Gilbert, Eric},
  booktitle = {Eighth International Conference on Weblogs and Social Media (ICWSM-14)},
  address   = {Ann Arbor, MI},
  year      = {2014}
}
```

Source file: `tweets_GroundTruth.txt` from https://github.com/cjhutto/vaderSentiment
(MIT licence, see LICENSE.txt in this folder).

Processing (`textbench/data/make_builtin.py`): 3 classes from the mean valence v of
20 raters (negative v < -0.5; neutral -0.5 <= v <= 0.5; positive v > 0.5), stratified
80/10/10 split with seed 42. Fields: `text` (as given), `label` (class name),
`valence` (mean rating, -4..+4), `id` (row id in the source file).
"""


def valence_class(v: float) -> str:
    """The 3-class label of a mean valence."""
    if v < -0.5:
        return "negative"
    if v > 0.5:
        return "positive"
    return "neutral"


def read_tweets(path: Path) -> list[dict]:
    """Rows of tweets_GroundTruth.txt as dicts with text, label, valence, id."""
    rows = []
    for line in path.read_bytes().decode("latin-1").split("\r\n"):
        if not line:
            continue
        rid, valence, text = line.split("\t", 2)
        v = float(valence)
        rows.append({"text": text, "label": valence_class(v), "valence": v, "id": int(rid)})
    return rows


def split_rows(rows: list[dict]) -> dict[str, list[dict]]:
    """Stratified 80/10/10 split with seed 42; each split in source-file order."""
    from sklearn.model_selection import train_test_split

    idx = list(range(len(rows)))
    labels = [r["label"] for r in rows]
    train, rest = train_test_split(idx, test_size=0.2, random_state=SEED, stratify=labels)
    val, test = train_test_split(rest, test_size=0.5, random_state=SEED, stratify=[labels[i] for i in rest])
    parts = {"train": train, "validation": val, "test": test}
    return {name: [rows[i] for i in sorted(part)] for name, part in parts.items()}


def write_builtin(src: Path, out: Path) -> dict[str, int]:
    """Write {train,validation,test}.jsonl, LICENSE.txt and CITATION.md into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    splits = split_rows(read_tweets(src / "tweets_GroundTruth.txt"))
    for name, rows in splits.items():
        with open(out / f"{name}.jsonl", "w", encoding="utf-8", newline="\n") as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
    shutil.copyfile(src / "LICENSE.txt", out / "LICENSE.txt")
    (out / "CITATION.md").write_text(CITATION, encoding="utf-8")
    return {name: len(rows) for name, rows in splits.items()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Build builtin:tweets-sentiment from VADER's tweets.")
    parser.add_argument("--src", type=Path, default=Path("../shared/datasets/vader"))
    parser.add_argument("--out", type=Path, default=Path("src/textbench/resources/tweets_sentiment"))
    args = parser.parse_args(argv)
    print(write_builtin(args.src, args.out))


if __name__ == "__main__":
    main()
