"""The lock covers pyproject's ranges, installs are compared with it, and `textbench env` reports it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

from textbench.cli import main
from textbench.utils.versions import LOCK_NAME, canonical, compare_with_lock, read_lock, same_version

ROOT = Path(__file__).resolve().parents[2]


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += extra
    return [Requirement(r) for r in reqs]


def test_lock_pins_every_requirement_within_its_range():
    lock = read_lock(ROOT / LOCK_NAME)
    for req in _requirements():
        name = canonical(req.name)
        assert name in lock, f"{req.name} (pyproject.toml) is not in {LOCK_NAME}"
        assert req.specifier.contains(Version(lock[name]), prereleases=True), \
            f"{LOCK_NAME} pins {name}=={lock[name]}, outside pyproject's {req}"


def test_torch_is_locked_without_a_build_tag():
    assert "+" not in read_lock(ROOT / LOCK_NAME)["torch"]  # the CPU and CUDA builds of the release both match


def test_readme_and_ci_install_the_lock():
    setup = f'pip install -e ".[dev]" -c {LOCK_NAME}'
    assert setup in (ROOT / "README.md").read_text()
    assert setup in (ROOT / ".ci" / "run").read_text()


def test_same_version_accepts_a_local_build_of_the_release():
    assert same_version("2.13.0+cpu", "2.13.0")
    assert same_version("1.0", "1.0")
    assert not same_version("2.13.1", "2.13.0")


def test_compare_with_lock_names_what_differs(tmp_path):
    lock = tmp_path / "lock.txt"
    lock.write_text("# header\npytest==0.0.1\n    # via x\nno-such-package-xyz==1.0\n")
    cmp = compare_with_lock(lock)
    assert not cmp.matches
    assert cmp.differ["pytest"][1] == "0.0.1"
    assert cmp.missing == ["no-such-package-xyz"]


def test_env_command_reports_versions_and_lock(tmp_path, capsys):
    lock = tmp_path / "lock.txt"
    lock.write_text("pytest==0.0.1\n")
    assert main(["env", "--lock", str(lock)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("textbench ")
    for lib in ("torch", "transformers", "peft", "datasets", "tokenizers", "accelerate"):
        assert f"\n  {lib} " in out
    assert "lock: differs from" in out and "pytest" in out and "(lock: 0.0.1)" in out
    assert main(["env", "--lock", str(lock), "--check"]) == 1


def test_env_command_missing_lock_is_a_one_line_error(tmp_path, capsys):
    assert main(["env", "--lock", str(tmp_path / "nope.txt")]) == 2
    assert capsys.readouterr().err.strip() == f"error: {tmp_path / 'nope.txt'}: lock file not found"
