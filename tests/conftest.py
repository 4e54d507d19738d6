"""Shared fixtures: a freshly generated example package and a CLI runner (real subprocesses)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VARIANTS = Path(__file__).parent / "fixtures" / "variants"


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
    return subprocess.run(
        [sys.executable, "-m", "obscal", *args], capture_output=True, text=True, cwd=cwd or REPO, timeout=120
    )


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))
