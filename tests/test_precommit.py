"""The pre-commit hooks of this repository, run for real by ``pre-commit`` on a package repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest

from obscal.ops.deprecate import deprecate

from .conftest import REPO, commit

DEF = "obs_data/ExampleCam/defects/r22_s00"


def pre_commit(root: Path, *files: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")  # obscal: language system
    env["PRE_COMMIT_HOME"] = str(root.parent / "pre-commit-home")
    args = [sys.executable, "-m", "pre_commit", "run", "--files", *(str(f.relative_to(root)) for f in files)]
    return subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def repo(tmp_path: Path) -> git.Repo:
    root = tmp_path / "repo"
    for part in ("obs_data/ExampleCam/camera", DEF):
        shutil.copytree(REPO / part, root / part)
    shutil.copy(REPO / ".pre-commit-config.yaml", root)
    repo = git.Repo.init(root)
    commit(repo, "defects and camera", "2025-01-01T00:00:00+00:00")
    return repo


def test_hook_checks_a_changed_deprecation_record_with_its_directory(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    first, later = root / DEF / "20240101T000000.ecsv", root / DEF / "20240615T000000.ecsv"
    [record] = deprecate(later, "shifted mask", superseded_by=first, author="Jane Doe")
    repo.git.add(A=True)
    ok = pre_commit(root, record)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "obscal validate (strict)" in ok.stdout and "Passed" in ok.stdout

    record.write_text(record.read_text().replace("superseded_by: 20240101T000000.ecsv", "superseded_by: 2099.ecsv"))
    bad = pre_commit(root, record)
    assert bad.returncode == 1
    assert "the replacement 2099.ecsv is not a calibration file in this directory" in bad.stdout


def test_hook_catches_an_overlapping_validend(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    first = root / DEF / "20240101T000000.ecsv"
    first.write_text(
        first.read_text().replace(
            "# - {CALIBDATE: '2024-01-01T00:00:00'}",
            "# - {CALIBDATE: '2024-01-01T00:00:00'}\n# - {VALIDEND: '2024-07-01T00:00:00'}",
        )
    )
    result = pre_commit(root, first)
    assert result.returncode == 1
    assert "overlaps 20240615T000000.ecsv" in result.stdout


def test_hook_passes_a_readme_beside_the_calibrations_and_still_checks_them(repo: git.Repo) -> None:
    root = Path(repo.working_tree_dir)
    readme = root / "obs_data/README.md"
    readme.write_text("# notes\n")
    calib = root / DEF / "20240101T000000.ecsv"
    ok = pre_commit(root, readme)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    calib.write_text(calib.read_text().replace("{DETECTOR: 0}", "{DETECTOR: 7}"))
    bad = pre_commit(root, readme, calib)
    assert bad.returncode == 1 and "DETECTOR 7 does not match" in bad.stdout and "README" not in bad.stdout
