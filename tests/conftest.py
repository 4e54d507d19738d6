"""Shared fixtures: a freshly generated example package and a CLI runner (real subprocesses)."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import git
import pytest

REPO = Path(__file__).resolve().parents[1]
VARIANTS = Path(__file__).parent / "fixtures" / "variants"


def calibration_files(root: Path) -> list[Path]:
    """The calibration files under ``root``, counted without obscal: ECSV/YAML/JSON that are not sidecars."""
    sidecars = (".provenance.yaml", ".deprecated.yaml", ".stamps.yaml")
    return sorted(
        p for p in root.rglob("*") if p.suffix in (".ecsv", ".yaml", ".json") and not p.name.endswith(sidecars)
    )


#: How many calibration files the example package holds.
EXAMPLE_FILES = len(calibration_files(REPO / "obs_data"))


@pytest.fixture
def package(tmp_path: Path) -> Path:
    """A copy of the committed obs_data/ tree, safe to break."""
    dest = tmp_path / "obs_data"
    shutil.copytree(REPO / "obs_data", dest)
    return dest


@pytest.fixture
def variants(tmp_path: Path) -> Path:
    dest = tmp_path / "variants"
    shutil.copytree(VARIANTS, dest)
    return dest


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``obscal ARGS`` in this process (the real entry point, output captured), from ``cwd``."""
    from obscal.cli.main import main

    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd or REPO)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, --version, usage errors
                code = exc.code if isinstance(exc.code, int) else 0
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess(["obscal", *args], code, out.getvalue(), err.getvalue())


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m obscal ARGS`` as a separate process (for what only a real process shows)."""
    return subprocess.run(
        [sys.executable, "-m", "obscal", *args], capture_output=True, text=True, cwd=cwd or REPO, timeout=120
    )


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))


ME = git.Actor("Cal Team", "cal@example.org")


def commit(repo: git.Repo, message: str, when: str) -> git.Commit:
    """Commit everything at a fixed time (ISO-8601 with offset), so results are reproducible."""
    moment = datetime.fromisoformat(when)
    offset = int(moment.utcoffset().total_seconds() // 60)
    stamp = f"{int(moment.timestamp())} {'+' if offset >= 0 else '-'}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"
    repo.git.add(A=True)
    return repo.index.commit(message, author=ME, committer=ME, author_date=stamp, commit_date=stamp)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included) with its bytes: to prove nothing was touched."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}
