"""Read texts to predict: plain lines, CSV/TSV/JSONL with a text column, or stdin."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from textbench.errors import DataError


def read_texts(source: str, *, text_column: str = "text") -> list[str]:
    """Texts from ``source`` ('-' = stdin, one text per line), one per input row: an empty line or cell
    inside the input stays as ``""`` so the output lines up with the input (only trailing blank lines go)."""
    if source == "-":
        raw = sys.stdin.read()
        name = "<stdin>"
        suffix = ""
    else:
        p = Path(source)
        if not p.is_file():
            raise DataError(f"{p}: input file not found")
        try:
            raw = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise DataError(f"{p}: not UTF-8 text (byte {e.start})") from None
        name, suffix = str(p), p.suffix.lower()
    if suffix in (".jsonl", ".json"):
        texts = []
        for i, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError:
                raise DataError(f"{name}: line {i} is not valid JSON") from None
            if not isinstance(rec, dict) or text_column not in rec:
                raise DataError(f"{name}: line {i} has no {text_column!r} field (set --text-column)")
            if not isinstance(rec[text_column], str):  # null, a number, a list: not a text
                raise DataError(f"{name}: line {i}: {text_column!r} is {json.dumps(rec[text_column])[:40]},"
                                " not a text")
            texts.append(rec[text_column])
    elif suffix in (".csv", ".tsv"):
        reader = csv.DictReader(io.StringIO(raw, newline=""), delimiter="\t" if suffix == ".tsv" else ",",
                                strict=True)
        try:
            if text_column not in (reader.fieldnames or []):
                raise DataError(f"{name}: no column {text_column!r}; columns: {reader.fieldnames} (set --text-column)")
            texts = [row[text_column] or "" for row in reader]
        except csv.Error as e:  # an unterminated quote would otherwise swallow the rest of the file
            raise DataError(f"{name} line {reader.line_num}: cannot parse {suffix[1:].upper()} ({e});"
                            " check the quotes") from None
    else:
        texts = raw.splitlines()
        while texts and not texts[-1].strip():
            texts.pop()
    if not any(t.strip() for t in texts):
        raise DataError(f"{name}: no texts to predict")
    return texts
