"""The pre-commit hooks, run for real by ``pre-commit`` and ``git commit`` in temporary repositories.

* This repository's ``.pre-commit-config.yaml`` after ``pre-commit install`` in a fresh copy, with nothing
  on ``PATH`` but the system's directories: pre-commit builds the environments (from PyPI).
* A separate data repository using obscal's published hook (``.pre-commit-hooks.yaml``) at a commit.

Environments are cached for the session (``PRE_COMMIT_HOME``): only the first test pays for them.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import git
import pytest
import yaml

from obscal.ops.deprecate import deprecate

from .conftest import REPO, commit, edit

DEF = "obs_data/ExampleCam/defects/r22_s00"
FIRST = f"{DEF}/20240101T000000.ecsv"


@pytest.fixture(scope="session")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


def _env(home: Path) -> dict:
    """Only the system's directories on PATH: no obscal, ruff or virtual environment."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
            "PRE_COMMIT_HOME": str(home), "GIT_AUTHOR_NAME": "Cal Team", "GIT_AUTHOR_EMAIL": "cal@example.org",
            "GIT_COMMITTER_NAME": "Cal Team", "GIT_COMMITTER_EMAIL": "cal@example.org"}  # fmt: skip


def _git_commit(root: Path, home: Path, message: str) -> subprocess.CompletedProcess:
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    return subprocess.run(
        ["git", "commit", "-q", "-m", message], cwd=root, env=_env(home), capture_output=True, text=True, timeout=900
    )


def _install(root: Path, home: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"], cwd=root, check=True, capture_output=True,
        env={**os.environ, "PRE_COMMIT_HOME": str(home)},
    )  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path, home: Path) -> Path:
    """A fresh copy of this repository's hook setup with part of ExampleCam, hooks installed, one commit."""
    root = tmp_path / "repo"
    for part in ("tools", "schemas"):
        shutil.copytree(REPO / part, root / part, ignore=shutil.ignore_patterns("__pycache__"))
    for part in ("obs_data/ExampleCam/camera", DEF):
        shutil.copytree(REPO / part, root / part)
    for name in (".pre-commit-config.yaml", "pyproject.toml"):
        shutil.copy(REPO / name, root / name)
    commit(git.Repo.init(root), "defects and camera", "2025-01-01T00:00:00+00:00")
    _install(root, home)
    return root


def test_the_hook_dependencies_are_pyprojects() -> None:
    config = yaml.safe_load((REPO / ".pre-commit-config.yaml").read_text())
    hook = next(h for r in config["repos"] for h in r["hooks"] if h["id"] == "obscal-validate")
    declared = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"]
    assert sorted(hook["additional_dependencies"]) == sorted(declared)
    ruff = next(h for r in config["repos"] for h in r["hooks"] if h["id"] == "ruff")
    from importlib.metadata import version

    assert ruff["additional_dependencies"] == [f"ruff=={version('ruff')}"]  # the same ruff as the test extra


def test_hooks_work_after_install_with_nothing_on_path(repo: Path, home: Path) -> None:
    first = repo / FIRST
    # An edit without a record is refused, with the way to add one.
    first.write_text(first.read_text().replace("\n0 0 ", "\n1 0 ", 1) if "\n0 0 " in first.read_text()
                     else first.read_text().replace("3863 137", "3864 137"))  # fmt: skip
    refused = _git_commit(repo, home, "move a box")
    assert refused.returncode == 1, refused.stdout + refused.stderr
    out = refused.stdout + refused.stderr
    assert "without a new edit record" in out and "obscal record" in out
    # Recorded with obscal record: the commit goes through.
    ran = subprocess.run([sys.executable, str(repo / "tools/hook.py"), "record", str(first), "--reason", "moved a box",
                          "--author", "Cal Team"], cwd=repo, capture_output=True, text=True)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    ok = _git_commit(repo, home, "move a box, recorded")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    # A broken calibration is refused with the validator's message.
    edit(first, "{DETECTOR: 0}", "{DETECTOR: 7}")
    bad = _git_commit(repo, home, "break it")
    assert bad.returncode == 1 and "DETECTOR 7 does not match" in bad.stdout + bad.stderr


def test_the_other_hooks_check_schemas_and_python(repo: Path, home: Path) -> None:
    (repo / "schemas/defects/broken.schema.json").write_text(
        '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": 12}'
    )
    bad = _git_commit(repo, home, "a broken schema")
    assert bad.returncode == 1 and "broken.schema.json" in bad.stdout + bad.stderr
    (repo / "schemas/defects/broken.schema.json").unlink()
    (repo / "tools/extra.py").write_text("import os\n")
    lint = _git_commit(repo, home, "an unused import")
    assert lint.returncode == 1 and "F401" in lint.stdout + lint.stderr


def test_a_deprecation_record_is_checked_with_its_directory(repo: Path, home: Path) -> None:
    first, later = repo / FIRST, repo / DEF / "20240615T000000.ecsv"
    [record] = deprecate(later, "shifted mask", superseded_by=first, author="Jane Doe")
    ok = _git_commit(repo, home, "deprecate")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    record.write_text(record.read_text().replace("superseded_by: 20240101T000000.ecsv", "superseded_by: 2099.ecsv"))
    bad = _git_commit(repo, home, "point elsewhere")
    assert bad.returncode == 1
    assert "the replacement 2099.ecsv is not a calibration file in this directory" in bad.stdout + bad.stderr


def test_another_data_repository_uses_the_published_hook(tmp_path: Path, home: Path) -> None:
    source = git.Repo(REPO)
    committed = {b.path for b in source.head.commit.tree.blobs}
    if ".pre-commit-hooks.yaml" not in committed or source.is_dirty(path=".pre-commit-hooks.yaml"):
        pytest.skip("the published hook is taken from a commit: commit .pre-commit-hooks.yaml first")
    sha = source.head.commit.hexsha
    data = tmp_path / "data"
    shutil.copytree(REPO / "obs_data/ExampleCam/camera", data / "calibs/ExampleCam/camera")
    shutil.copytree(REPO / DEF, data / "calibs/ExampleCam/defects/r22_s00")
    (data / "mkdocs.yml").write_text("site_name: calibrations\n")  # not a calibration: skipped by the hook
    (data / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {REPO}\n    rev: {sha}\n    hooks:\n      - id: obscal-validate\n"
    )
    commit(git.Repo.init(data), "calibrations", "2025-01-01T00:00:00+00:00")
    _install(data, home)
    target = data / "calibs/ExampleCam/defects/r22_s00/20240101T000000.ecsv"
    (data / "mkdocs.yml").write_text("site_name: our calibrations\n")
    ok = _git_commit(data, home, "docs only")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    edit(target, "{DETECTOR: 0}", "{DETECTOR: 3}")
    bad = _git_commit(data, home, "wrong detector")
    assert bad.returncode == 1 and "DETECTOR 3 does not match" in bad.stdout + bad.stderr
    assert re.search(r"without a new edit record", bad.stdout + bad.stderr)
