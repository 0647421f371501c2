"""``python tests/helpers/faulty_textbench.py SPEC ARGS...``: the textbench CLI with a fault installed."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for `helpers`

from helpers.faults import injected  # noqa: E402

from textbench.cli import main  # noqa: E402

if __name__ == "__main__":
    with injected(sys.argv[1]):
        code = main(sys.argv[2:])
    sys.exit(code)
