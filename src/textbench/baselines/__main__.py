"""`python -m textbench.baselines CONFIG [--resume]`: one baseline run (used by `textbench study`)."""

from __future__ import annotations

import argparse
import sys
import traceback
from typing import Sequence

from textbench.errors import TextbenchError


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m textbench.baselines",
                                description="Run a classic baseline into a run folder.")
    p.add_argument("config", help="baseline run config YAML (sections baseline, data, seed, output)")
    p.add_argument("--resume", action="store_true", help="restart an unfinished run folder")
    p.add_argument("--debug", action="store_true", help="show full tracebacks")
    args = p.parse_args(argv)
    from textbench.baselines import load_baseline_config, run_baseline

    try:
        cfg = load_baseline_config(args.config)
        result = run_baseline(cfg, resume=args.resume)
    except TextbenchError as e:
        if args.debug:
            traceback.print_exc()
        print(f"error: {e.one_line()}", file=sys.stderr)
        return e.exit_code
    m = result.test_metrics
    print(f"run {result.run_dir}: test macro-F1 {m['macro_f1']:.4f}, accuracy {m['accuracy']:.4f},"
          f" train {m['cost']['train_seconds']:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
