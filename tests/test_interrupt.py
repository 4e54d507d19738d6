"""Interrupted runs leave the old state or the new one, never a mixture, and the next run cleans up.

Each operation is stopped at a named checkpoint (``OBSCAL_TEST_CHECKPOINT``, see
:func:`obscal.io.atomic.checkpoint`) by a real signal: SIGINT and SIGTERM let obscal clean up; SIGKILL
cannot be caught, so what it leaves must be recognised and finished or removed by the next run, and any
half-state a set of files can still show must be reported by ``obscal validate``.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import git
import pytest

from obscal.io.atomic import OUTPUT_MARK

from .conftest import REPO, commit, edit, run_cli, snapshot

EX = "ExampleCam"


def _interrupt(args: list[str], point: str, signum: int, cwd: Path) -> subprocess.CompletedProcess:
    """Run ``obscal ARGS`` until it reaches ``point``, then send it ``signum``."""
    env = {**os.environ, "OBSCAL_TEST_CHECKPOINT": point}
    child = subprocess.Popen(
        [sys.executable, "-m", "obscal", *args], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    assert child.stderr is not None
    seen = []
    for line in child.stderr:
        seen.append(line)
        if line.strip() == f"obscal: checkpoint {point}":
            break
    else:
        child.wait(timeout=60)
        pytest.fail(f"{point} was not reached: {''.join(seen)}")
    child.send_signal(signum)
    out, err = child.communicate(timeout=60)
    return subprocess.CompletedProcess(args, child.returncode, out, "".join(seen) + err)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The example package in a git repository with one commit (convert takes committed files only)."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    commit(git.Repo.init(root), "data", "2024-02-01T12:00:00+00:00")
    return root


def _siblings(out: Path) -> list[str]:
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.obscal-"))


def _fits(out: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(out).items() if k != OUTPUT_MARK} if out.exists() else {}


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_convert_interrupted_by_a_signal_writes_nothing_and_leaves_nothing(repo: Path, signum: int, code: int) -> None:
    out = repo / "build"
    ran = _interrupt(["convert", "obs_data/ExampleCam/defects", "--out", str(out)], "staged", signum, repo)
    assert ran.returncode == code, ran.stderr
    assert "nothing was left half-written" in ran.stderr
    assert not out.exists() and _siblings(out) == []


def test_convert_killed_before_publishing_keeps_the_previous_output(repo: Path) -> None:
    out = repo / "build"
    assert run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(out), cwd=repo).returncode == 0
    before = _fits(out)
    edit(repo / "obs_data" / EX / "defects/r22_s00/20240615T000000.ecsv", "0 0 18 4004", "0 0 19 4004")
    commit(git.Repo(repo), "edit", "2024-02-02T12:00:00+00:00")
    ran = _interrupt(["convert", "obs_data/ExampleCam/defects", "--out", str(out)], "staged", signal.SIGKILL, repo)
    assert ran.returncode == -signal.SIGKILL
    assert _fits(out) == before  # the old state, whole
    assert _siblings(out)  # a hidden, complete new tree is left beside it
    again = run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(out), cwd=repo)
    assert again.returncode == 0, again.stderr
    assert _siblings(out) == [] and _fits(out) != before and set(_fits(out)) == set(before)


def test_convert_killed_after_publishing_has_the_new_output(repo: Path) -> None:
    out = repo / "build"
    assert run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(out), cwd=repo).returncode == 0
    (repo / "obs_data" / EX / "defects/r22_s00/20240615T000000.ecsv").unlink()
    commit(git.Repo(repo), "remove", "2024-02-02T12:00:00+00:00")
    ran = _interrupt(["convert", "obs_data/ExampleCam/defects", "--out", str(out)], "published", signal.SIGKILL, repo)
    assert ran.returncode == -signal.SIGKILL
    assert "ExampleCam/defects/r22_s00/20240615T000000.fits" not in _fits(out)  # exactly the new result
    assert (out / OUTPUT_MARK).is_file()
    assert run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(out), cwd=repo).returncode == 0
    assert _siblings(out) == []


def test_killed_first_run_is_finished_by_the_next(repo: Path) -> None:
    out = repo / "build"
    ran = _interrupt(["convert", "obs_data/ExampleCam/defects", "--out", str(out)], "staged", signal.SIGKILL, repo)
    assert ran.returncode == -signal.SIGKILL and not out.exists()
    assert run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(out), cwd=repo).returncode == 0
    assert _fits(out) and _siblings(out) == []


def test_totext_interrupted(repo: Path, tmp_path: Path) -> None:
    fits_dir = tmp_path / "fits"
    assert run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(fits_dir), cwd=repo).returncode == 0
    out = tmp_path / "text"
    ran = _interrupt(["totext", str(fits_dir), "--out", str(out)], "staged", signal.SIGTERM, repo)
    assert ran.returncode == 143 and not out.exists() and _siblings(out) == []


def test_output_directory_not_written_by_obscal_is_never_replaced(repo: Path) -> None:
    out = repo / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("my notes")
    ran = run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(out), cwd=repo)
    assert ran.returncode == 2 and "holds files obscal did not write" in ran.stderr
    assert (out / "notes.txt").read_text() == "my notes" and len(list(out.iterdir())) == 1


# ------------------------------------------------------------------------------------------ certify, deprecate


def _certify_args(root: Path, src: Path) -> list[str]:
    return [
        "certify", str(src), "--root", str(root), "--instrument", EX, "--type", "defects", "--detector", "0",
        "--valid-start", "2025-01-01", "--reason", "new", "--author", "Cal Team",
        "--provenance", str(src.parent / "p.yaml"),
    ]  # fmt: skip


def _source(tmp_path: Path) -> Path:
    src = tmp_path / "incoming" / "defects.ecsv"
    src.parent.mkdir(parents=True)
    shutil.copy(REPO / "obs_data" / EX / "defects/r22_s00/20240101T000000.ecsv", src)
    (src.parent / "p.yaml").write_text("provenance_version: '1.0'\ninputs: []\nconfig: {}\n")
    return src


def test_certify_terminated_between_its_two_files_rolls_back(package: Path, tmp_path: Path) -> None:
    before = snapshot(package)
    ran = _interrupt(_certify_args(package, _source(tmp_path)), "written-1", signal.SIGTERM, tmp_path)
    assert ran.returncode == 143, ran.stderr
    assert snapshot(package) == before


def test_certify_killed_between_its_two_files_is_reported_by_validate(package: Path, tmp_path: Path) -> None:
    ran = _interrupt(_certify_args(package, _source(tmp_path)), "written-1", signal.SIGKILL, tmp_path)
    assert ran.returncode == -signal.SIGKILL
    directory = package / EX / "defects/r22_s00"
    assert (directory / "20250101T000000.provenance.yaml").is_file()  # the provenance first ...
    assert not (directory / "20250101T000000.ecsv").exists()  # ... the calibration never half-written
    result = run_cli("validate", str(package))
    assert result.returncode == 1
    assert "20250101T000000.provenance.yaml: error: no calibration file beside it" in result.stdout
    stray = [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]
    assert stray  # SIGKILL leaves the staged calibration; hidden, never read as a calibration ...
    (directory / "20250101T000000.provenance.yaml").unlink()
    assert run_cli(*_certify_args(package, _source(tmp_path / "again"))).returncode == 0
    assert not [p.name for p in directory.iterdir() if p.name.endswith(".tmp")]  # ... and cleaned by the next run


def test_deprecate_killed_between_its_records_is_reported_by_validate(package: Path) -> None:
    d = package / EX / "defects/r22_s00"
    from obscal.ops.deprecate import deprecate

    shutil.copy(d / "20240615T000000.ecsv", d / "20240615T000001.ecsv")
    edit(d / "20240615T000001.ecsv", "2024-06-15T00:00:00", "2024-06-15T00:00:01", count=2)
    deprecate(d / "20240101T000000.ecsv", "bad", superseded_by="20240615T000000.ecsv", author="Cal Team")
    args = ["deprecate", str(d / "20240615T000000.ecsv"), "--reason", "worse", "--superseded-by",
            "20240615T000001.ecsv", "--author", "Cal Team"]  # fmt: skip
    ran = _interrupt(args, "written-1", signal.SIGKILL, package.parent)
    assert ran.returncode == -signal.SIGKILL
    result = run_cli("validate", str(package))
    assert result.returncode == 1  # the half-state (a record naming a now deprecated replacement) is an error
    assert "its replacement 20240615T000000.ecsv is deprecated too" in result.stdout


def test_deprecate_terminated_between_its_records_rolls_back(package: Path) -> None:
    d = package / EX / "defects/r22_s00"
    from obscal.ops.deprecate import deprecate

    shutil.copy(d / "20240615T000000.ecsv", d / "20240615T000001.ecsv")
    edit(d / "20240615T000001.ecsv", "2024-06-15T00:00:00", "2024-06-15T00:00:01", count=2)
    deprecate(d / "20240101T000000.ecsv", "bad", superseded_by="20240615T000000.ecsv", author="Cal Team")
    before = snapshot(package)
    args = ["deprecate", str(d / "20240615T000000.ecsv"), "--reason", "worse", "--superseded-by",
            "20240615T000001.ecsv", "--author", "Cal Team"]  # fmt: skip
    ran = _interrupt(args, "written-1", signal.SIGTERM, package.parent)
    assert ran.returncode == 143, ran.stderr
    assert snapshot(package) == before
