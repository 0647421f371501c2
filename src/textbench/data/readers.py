"""Read one split file (CSV, TSV, JSONL, JSON, Parquet, `text;label` lines) into a RawSplit."""

from __future__ import annotations

import csv
import io
import json
import math
import re
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence, Union

from textbench.data.raw import RawSplit
from textbench.errors import DataError

EXTENSION_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "semicolon",
}
DELIMITERS = {"csv": ",", "tsv": "\t"}
_DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon"}
_DELIMITER_FORMATS = {",": "csv", "\t": "tsv", ";": "semicolon"}
_SEMICOLON_HEADER = re.compile(r"(?i)^\s*text\s*;\s*label")


def detect_format(path: Path, fmt: str) -> str:
    """The format to read `path` with: `fmt` unless "auto", else by file extension."""
    if fmt != "auto":
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes[-1:] == [".gz"]:  # file.csv.gz: the format of file.csv, read through gzip
        suffixes = suffixes[:-1]
    found = EXTENSION_FORMATS.get(suffixes[-1]) if suffixes else None
    if found is None:
        known = ", ".join(sorted(EXTENSION_FORMATS))
        raise DataError(
            f"cannot tell the format of {path} from its extension (known: {known}); set data.format"
        )
    return found


def read_bytes(path: Path) -> bytes:
    """The file's bytes; DataError when missing, a folder, or empty."""
    if not path.exists():
        raise DataError(f"data file not found: {path}")
    if path.is_dir():
        raise DataError(f"expected a data file but {path} is a folder")
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":  # gzip (file.csv.gz): read what it holds
        import gzip

        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as e:
            raise DataError(f"{path}: a gzip file that cannot be decompressed ({e})") from None
    if raw[:4] == b"PK\x03\x04":
        raise DataError(f"{path} is a ZIP archive (an Excel .xlsx or .ods workbook?), not a text file;"
                        " export the sheet as CSV (File > Save As > CSV UTF-8)")
    if not raw.strip():
        raise DataError(f"data file {path} is empty")
    return raw


def decode_file(path: Path, encoding: str) -> str:
    """Strictly decode the file; undecodable bytes give a DataError naming byte and line."""
    raw = read_bytes(path)
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DataError(
            f"{path}: byte {e.start} (line {line}) is not valid {encoding} ({e.reason}); "
            "set data.encoding to the file's encoding (e.g. latin-1 or cp1252)"
        ) from None
    return text.removeprefix("\ufeff")


LabelColumns = Union[str, Sequence[str]]
"""One label column, or several 0/1 columns (``data.label_columns``) read as a tuple of cells per row."""


def _columns(label_column: LabelColumns) -> list[str]:
    return [label_column] if isinstance(label_column, str) else list(label_column)


def _label_cell(get: Callable[[str], Any], label_column: LabelColumns) -> object:
    """The row's label cell, or with several label columns the tuple of their cells."""
    if isinstance(label_column, str):
        return get(label_column)
    return tuple(get(c) for c in label_column)


def read_split_file(
    path: Path, *, fmt: str, text_column: str, label_column: LabelColumns, encoding: str
) -> RawSplit:
    """Read the text and label columns of one file; format "auto" goes by extension."""
    fmt = detect_format(path, fmt)
    if fmt == "parquet":
        return _read_parquet(path, text_column, label_column)
    text = decode_file(path, encoding)
    if fmt in DELIMITERS:
        return _read_delimited(path, text, fmt, text_column, label_column)
    if fmt == "semicolon":
        return _read_semicolon(path, text)
    if fmt == "jsonl":
        return _read_jsonl(path, text, text_column, label_column)
    if fmt == "json":
        return _read_json(path, text, text_column, label_column)
    raise DataError(f"unknown data.format {fmt!r} for {path}")


def text_value(value: Any, where: str) -> str:
    """A cell of the text column as str; None/NaN become "" (dropped as empty later)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    raise DataError(f"{where}: text is a {type(value).__name__}, expected a string")


def check_columns(path: Path, found: list[str], text_column: str, label_column: LabelColumns, fmt: str) -> None:
    """DataError when the text or a label column is missing, with a wrong-delimiter hint."""
    missing = [c for c in (text_column, *_columns(label_column)) if c not in found]
    if not missing:
        return
    if len(found) == 1 and fmt in DELIMITERS:
        for delim, name in _DELIMITER_NAMES.items():
            if delim != DELIMITERS[fmt] and delim in found[0]:
                raise DataError(
                    f"{path} read as {fmt.upper()} has a single column {found[0]!r}; it looks "
                    f"{name}-separated: set data.format: {_DELIMITER_FORMATS[delim]}"
                )
    shown = ", ".join(repr(c) for c in found[:20]) or "none"
    raise DataError(
        f"{path} has no column {missing[0]!r} (columns found: {shown}); "
        f"set data.text_column / {'data.label_column' if isinstance(label_column, str) else 'data.label_columns'}"
    )


def _read_delimited(path: Path, text: str, fmt: str, text_column: str, label_column: LabelColumns) -> RawSplit:
    csv.field_size_limit(max(csv.field_size_limit(), 1 << 30))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=DELIMITERS[fmt])
    header: list[str] | None = None
    texts: list[str] = []
    labels: list[object] = []
    rows: list[int] = []
    prev_end = 0
    try:
        for record in reader:
            start, prev_end = prev_end + 1, reader.line_num
            if not record or (len(record) == 1 and not record[0].strip() and header is not None):
                continue
            if header is None:
                header = [c.strip() for c in record]
                check_columns(path, header, text_column, label_column, fmt)
                for column in (text_column, *_columns(label_column)):
                    if header.count(column) > 1:
                        raise DataError(f"{path}: the header names column {column!r} {header.count(column)}"
                                        " times; rename the copies so it is clear which one to read")
                ti, index = header.index(text_column), {c: header.index(c) for c in _columns(label_column)}
                continue
            if len(record) != len(header):
                raise DataError(
                    f"{path} line {start} has {len(record)} fields but the header has "
                    f"{len(header)}; quote texts that contain the delimiter or check data.format"
                )
            texts.append(record[ti])
            labels.append(_label_cell(lambda c: record[index[c]], label_column))
            rows.append(start)
    except csv.Error as e:
        raise DataError(f"{path} line {reader.line_num}: cannot parse {fmt.upper()} ({e})") from None
    return _finish(path, texts, labels, rows, "line")


def _read_semicolon(path: Path, text: str) -> RawSplit:
    texts: list[str] = []
    labels: list[object] = []
    rows: list[int] = []
    seen_first = False
    for n, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        if not seen_first:
            seen_first = True
            if _SEMICOLON_HEADER.match(line):
                continue
        cut = line.rfind(";")
        if cut < 0:
            hint = next(
                (f"; it looks {_DELIMITER_NAMES[d]}-separated: set data.format" for d in ",\t" if d in line),
                "",
            )
            raise DataError(
                f"{path} line {n} has no ';' between text and label "
                f"(format semicolon expects `text;label` lines){hint}"
            )
        texts.append(line[:cut])
        labels.append(line[cut + 1 :])
        rows.append(n)
    return _finish(path, texts, labels, rows, "line")


def _read_jsonl(path: Path, text: str, text_column: str, label_column: LabelColumns) -> RawSplit:
    records: list[tuple[int, Any]] = []
    for n, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            records.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            raise DataError(
                f"{path} line {n} is not valid JSON ({e.msg}); JSONL needs one object per line"
            ) from None
    return _from_records(path, records, text_column, label_column, "line", "jsonl")


def _read_json(path: Path, text: str, text_column: str, label_column: LabelColumns) -> RawSplit:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        hint = " (one object per line? set data.format: jsonl)" if e.msg == "Extra data" else ""
        raise DataError(f"{path} line {e.lineno} is not valid JSON ({e.msg}){hint}") from None
    if isinstance(data, dict):
        lists = {k: v for k, v in data.items() if isinstance(v, list)}
        columns = [text_column, *_columns(label_column)]
        if all(c in lists for c in columns):  # columnar {"text": [...], "label": [...]}
            if len({len(lists[c]) for c in columns}) > 1:
                raise DataError(f"{path}: columns {', '.join(map(repr, columns))} differ in length")
            data = [dict(zip(columns, row)) for row in zip(*(lists[c] for c in columns))]
        elif len(lists) == 1:  # {"data": [ {...}, ... ]}
            data = next(iter(lists.values()))
    if not isinstance(data, list):
        raise DataError(
            f"{path}: expected a JSON list of objects (or an object of column lists); "
            f"found keys {sorted(data)[:10] if isinstance(data, dict) else type(data).__name__}"
        )
    records = list(enumerate(data, start=1))
    return _from_records(path, records, text_column, label_column, "record", "json")


def _from_records(
    path: Path, records: Iterable[tuple[int, Any]], text_column: str, label_column: LabelColumns, kind: str,
    fmt: str
) -> RawSplit:
    texts: list[str] = []
    labels: list[object] = []
    rows: list[int] = []
    for n, rec in records:
        if not isinstance(rec, dict):
            raise DataError(f"{path} {kind} {n} is a {type(rec).__name__}, expected a JSON object")
        if not rows:
            check_columns(path, [str(k) for k in rec], text_column, label_column, fmt)
        for col in (text_column, *_columns(label_column)):
            if col not in rec:
                raise DataError(f"{path} {kind} {n} has no key {col!r}; every row needs it")
        texts.append(text_value(rec[text_column], f"{path} {kind} {n}"))
        labels.append(_label_cell(rec.__getitem__, label_column))
        rows.append(n)
    return _finish(path, texts, labels, rows, kind)


def _read_parquet(path: Path, text_column: str, label_column: LabelColumns) -> RawSplit:
    import pyarrow as pa
    import pyarrow.parquet as pq

    read_bytes(path)
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as e:
        msg = " ".join(str(e).split())[:200]
        raise DataError(f"{path} is not a readable Parquet file ({msg}); check data.format") from None
    check_columns(path, list(table.column_names), text_column, label_column, "parquet")
    raw_texts = table.column(text_column).to_pylist()
    texts = [text_value(t, f"{path} row {i}") for i, t in enumerate(raw_texts, start=1)]
    cells = {c: table.column(c).to_pylist() for c in _columns(label_column)}
    labels = [_label_cell(lambda c: cells[c][i], label_column) for i in range(len(texts))]
    return _finish(path, texts, labels, list(range(1, len(texts) + 1)), "row")


def _finish(path: Path, texts: list[str], labels: list[object], rows: list[int], kind: str) -> RawSplit:
    if not texts:
        raise DataError(f"data file {path} has no data rows (only a header or blank lines)")
    return RawSplit(texts=texts, labels=labels, rows=rows, origin=str(path), row_kind=kind)
