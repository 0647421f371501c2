"""A tiny document model rendered twice: Markdown (images linked) and self-contained HTML
(images embedded as base64 data URIs). Inline markup: ``**bold**`` and ```code```.
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Union


@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    text: str


@dataclass
class Bullets:
    items: list[str]


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]
    bold: set[tuple[int, int]] = field(default_factory=set)  # (row, column) cells marked best
    numeric_from: int = 1  # columns from here on are right-aligned ...
    numeric_to: int | None = None  # ... up to (not including) this one

    def is_numeric(self, j: int) -> bool:
        return j >= self.numeric_from and (self.numeric_to is None or j < self.numeric_to)


@dataclass
class Image:
    path: str  # relative to the study folder
    caption: str


Block = Union[Heading, Para, Bullets, Table, Image]

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_CODE = re.compile(r"`([^`]+)`")


def _inline_html(text: str) -> str:
    out = html.escape(text, quote=False)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _CODE.sub(r"<code>\1</code>", out)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(title: str, blocks: list[Block]) -> str:
    out = [f"# {title}", ""]
    for b in blocks:
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            out += [b.text, ""]
        elif isinstance(b, Bullets):
            out += [f"- {item}" for item in b.items] + [""]
        elif isinstance(b, Table):
            out.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            out.append("|" + "|".join("---:" if b.is_numeric(j) else "---" for j in range(len(b.header))) + "|")
            for i, row in enumerate(b.rows):
                cells = [f"**{_md_cell(c)}**" if (i, j) in b.bold and c else _md_cell(c) for j, c in enumerate(row)]
                out.append("| " + " | ".join(cells) + " |")
            out.append("")
        elif isinstance(b, Image):
            out += [f"![{b.caption}]({b.path})", "", f"*{b.caption}*", ""]
    return "\n".join(out).rstrip() + "\n"


CSS = """
body{font-family:-apple-system,"Segoe UI",Helvetica,Arial,sans-serif;max-width:1200px;margin:2em auto;
padding:0 1em;color:#222;line-height:1.45}
h1{border-bottom:2px solid #ddd;padding-bottom:.3em}h2{border-bottom:1px solid #eee;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;margin:.8em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .6em}
th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}td.best{background:#e6f4e6}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}figcaption{color:#555;font-size:.9em}
code{background:#f4f4f4;padding:0 .2em;border-radius:3px}
"""


def _image_data(study_dir: Path, rel: str) -> str:
    data = (study_dir / rel).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def render_html(title: str, blocks: list[Block], study_dir: Path) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{html.escape(title)}</title>", f"<style>{CSS}</style>", "</head>", "<body>",
           f"<h1>{html.escape(title)}</h1>"]
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{_inline_html(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_inline_html(b.text)}</p>")
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li>{_inline_html(i)}</li>" for i in b.items) + "</ul>")
        elif isinstance(b, Table):
            out.append("<table><thead><tr>" + "".join(f"<th>{_inline_html(h)}</th>" for h in b.header)
                       + "</tr></thead><tbody>")
            for i, row in enumerate(b.rows):
                cells = []
                for j, c in enumerate(row):
                    cls = []
                    if b.is_numeric(j):
                        cls.append("num")
                    text = _inline_html(c)
                    if (i, j) in b.bold and c:
                        cls.append("best")
                        text = f"<strong>{text}</strong>"
                    attr = f' class="{" ".join(cls)}"' if cls else ""
                    cells.append(f"<td{attr}>{text}</td>")
                out.append("<tr>" + "".join(cells) + "</tr>")
            out.append("</tbody></table>")
        elif isinstance(b, Image):
            out.append(f'<figure><img src="{_image_data(study_dir, b.path)}" alt="{html.escape(b.caption)}">'
                       f"<figcaption>{_inline_html(b.caption)}</figcaption></figure>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
