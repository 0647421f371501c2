"""`textbench push`: the real huggingface_hub calls, with only the network replaced."""

from __future__ import annotations

from pathlib import Path

import pytest

from textbench.errors import RunError
from textbench.runs.push import push_run


class FakeApi:
    """HfApi's two calls push makes, recording what would go over the network."""

    def __init__(self, fail: bool = False) -> None:
        self.calls: list[tuple] = []
        self.fail = fail

    def create_repo(self, repo_id, private, exist_ok):  # noqa: ANN001, D102
        if self.fail:
            raise ConnectionError("offline")
        self.calls.append(("create_repo", repo_id, private, exist_ok))
        return f"https://huggingface.co/{repo_id}"

    def upload_folder(self, folder_path, repo_id, commit_message, path_in_repo=None):  # noqa: ANN001, D102
        self.calls.append(("upload_folder", sorted(p.name for p in Path(folder_path).iterdir()), repo_id, path_in_repo))


def test_push_uploads_the_model_with_its_card_and_says_why_it_cannot(tmp_path):
    run = tmp_path / "run"
    (run / "model").mkdir(parents=True)
    (run / "model" / "config.json").write_text("{}")
    with pytest.raises(RunError, match="no model card"):
        push_run(run, "me/model", api=FakeApi())
    (run / "model" / "README.md").write_text("---\nlibrary_name: transformers\n---\n# card\n")
    api = FakeApi()
    assert push_run(run, "me/model", api=api) == "https://huggingface.co/me/model"
    assert api.calls == [("create_repo", "me/model", True, True),
                         ("upload_folder", ["README.md", "config.json"], "me/model", None)]
    with pytest.raises(RunError, match="push to 'me/model' failed .*offline.*HF_TOKEN"):
        push_run(run, "me/model", api=FakeApi(fail=True))
    with pytest.raises(RunError, match="no saved model"):
        push_run(tmp_path / "nothing", "me/model", api=FakeApi())
