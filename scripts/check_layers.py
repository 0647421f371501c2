"""Packages import downward only: fail on an import of a package from a higher layer (or a peer).

    python scripts/check_layers.py        # prints the violations, exit 1 if any

Every ``import textbench.X`` / ``from textbench.X import ...`` counts, function-level ones too.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "textbench"
# top to bottom; a package may import only packages of lower layers
LAYERS: list[set[str]] = [
    {"__main__"},
    {"cli"},
    {"study"},
    {"report", "tuning"},  # report: reads run folders and study outputs; tuning: searches through runs
    {"runs"},  # the run engine and run kinds
    {"training", "inference", "baselines", "pretraining"},
    {"config"},  # run configs: sections from data, tokenization, methods
    {"methods"},
    {"models", "data", "tokenization", "evaluation"},
    {"runtime"},
    {"utils"},
    {"errors"},
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def imports(path: Path) -> set[str]:
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        for name in names:
            parts = name.split(".")
            if parts[0] == "textbench" and len(parts) > 1:
                out.add(parts[1])
    return out


def violations(package: Path = PACKAGE) -> list[str]:
    found = []
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package)
        unit = rel.parts[0] if len(rel.parts) > 1 else rel.stem
        if unit == "__init__":
            continue
        if unit not in RANK:
            found.append(f"{rel}: package {unit!r} has no layer in scripts/check_layers.py")
            continue
        for target in sorted(imports(path) - {unit}):
            if target not in RANK:
                found.append(f"{rel}: imports textbench.{target}, which has no layer")
            elif RANK[target] <= RANK[unit]:
                found.append(f"{rel}: imports textbench.{target} ({'a peer' if RANK[target] == RANK[unit] else 'upward'})")
    return found


if __name__ == "__main__":
    bad = violations()
    print("\n".join(bad) or "no upward imports")
    sys.exit(1 if bad else 0)
