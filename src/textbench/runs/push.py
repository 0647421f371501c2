"""`textbench push RUN REPO_ID`: a run's model (with its model card) to the Hugging Face Hub.

Through ``huggingface_hub``: ``create_repo`` (exist_ok) and ``upload_folder`` of ``model/``
(and ``onnx/`` when exported); the token comes from ``huggingface-cli login`` or ``HF_TOKEN``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textbench.errors import RunError


def push_run(run_dir: Path, repo_id: str, *, private: bool = True, api: Any = None) -> str:
    """Upload ``run_dir``'s model; returns the repository's URL."""
    from huggingface_hub import HfApi

    model = Path(run_dir) / "model"
    if not model.is_dir():
        raise RunError(f"{run_dir}: no saved model to push (a complete run has model/)")
    if not (model / "README.md").is_file():
        raise RunError(f"{run_dir}: model/ has no model card (README.md); train the run again with this version")
    api = api or HfApi()
    try:
        url = api.create_repo(repo_id, private=private, exist_ok=True)
        api.upload_folder(folder_path=str(model), repo_id=repo_id, commit_message=f"textbench run {Path(run_dir).name}")
        onnx = Path(run_dir) / "onnx"
        if onnx.is_dir():
            api.upload_folder(folder_path=str(onnx), repo_id=repo_id, path_in_repo="onnx",
                              commit_message="ONNX export (textbench export)")
    except Exception as e:  # noqa: BLE001 - offline, no token, no rights: one line
        first = " ".join(str(e).split())[:200]
        raise RunError(f"push to {repo_id!r} failed ({type(e).__name__}: {first}); check the network and"
                       " your token (huggingface-cli login or HF_TOKEN)") from None
    return str(url)
