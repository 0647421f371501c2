"""Sub-command `export`: a run's model as ONNX, checked against PyTorch on its validation texts."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    e = sub.add_parser("export", help="export a run's model to ONNX (checked against PyTorch on validation texts)",
                       description="Export a run's model to <run>/onnx/model.onnx through torch.onnx, check its"
                       " probabilities against PyTorch's on the run's validation texts, and keep it only if they"
                       " agree. Then: textbench predict RUN --input texts.txt --backend onnxruntime."
                       " Needs the onnx extra: pip install -e '.[onnx]' -c requirements-lock.txt")
    e.add_argument("run_dir", help="a run folder with a saved transformer model")
    e.add_argument("--format", choices=["onnx"], default="onnx", help="the export format (onnx)")
    e.add_argument("--int8", action="store_true", help="also write model.int8.onnx (ONNX Runtime dynamic int8)")
    e.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from textbench.errors import ConfigError

    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401
    except ImportError as e:
        raise ConfigError(f"export needs the onnx extra ({e.name} is not installed):"
                          " pip install -e '.[onnx]' -c requirements-lock.txt") from None
    from textbench.inference.onnx_export import TOLERANCE, export_onnx

    done = export_onnx(Path(args.run_dir), int8=args.int8)
    line = (f"exported {done.folder}/model.onnx: probabilities within {done.max_abs_diff:.1e} of PyTorch's on"
            f" {done.texts} validation texts (tolerance {TOLERANCE:g})")
    if done.int8_agreement is not None:
        line += f"; model.int8.onnx gives the same label on {100 * done.int8_agreement:.1f}% of them"
    print(line)
    return 0


def register_push(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("push", help="upload a run's model and model card to the Hugging Face Hub",
                       description="Upload <run>/model (with its model card) and <run>/onnx if exported to a Hub"
                       " repository (created if missing; private unless --public). Example: textbench push"
                       " studies/quickstart/runs/minilm-lora/seed-42 me/tweets-lora")
    p.add_argument("run_dir", help="a run folder with a saved model")
    p.add_argument("repo_id", help="the Hub repository, e.g. user/name")
    p.add_argument("--public", action="store_true", help="create the repository public (default: private)")
    p.set_defaults(handler=cmd_push)


def cmd_push(args: argparse.Namespace) -> int:
    from pathlib import Path

    from textbench.runs.push import push_run

    url = push_run(Path(args.run_dir), args.repo_id, private=not args.public)
    print(f"pushed {args.run_dir} to {url}")
    return 0
