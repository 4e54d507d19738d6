"""Progress of long runs: the operations report ``(phase, done, total)``; a bar only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import git

from obscal.ops.convert import convert
from obscal.validation.validator import Validator

from .conftest import EXAMPLE_FILES, REPO, commit


def test_validate_and_convert_report_every_file(tmp_path: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    Validator("strict").run([REPO / "obs_data"], progress=lambda *a: seen.append(a))
    assert [d for _, d, _ in seen] == list(range(1, EXAMPLE_FILES + 1))
    assert {(p, t) for p, _, t in seen} == {("validating", EXAMPLE_FILES)}

    root = tmp_path / "pkg"
    import shutil

    shutil.copytree(REPO / "obs_data", root / "obs_data")
    commit(git.Repo.init(root), "package", "2025-01-01T00:00:00+00:00")
    seen.clear()
    assert convert([root / "obs_data"], tmp_path / "out", progress=lambda *a: seen.append(a)).ok
    assert {p for p, _, _ in seen} == {"converting"}  # one pass: each file validated, then written
    assert [d for _, d, _ in seen] == list(range(1, EXAMPLE_FILES + 1)) and seen[-1][2] == EXAMPLE_FILES


def _run_on_a_terminal(*args: str) -> str:
    """Run obscal with its stderr on a pseudo-terminal; return what the terminal showed."""
    main, child = pty.openpty()
    env = {**os.environ, "OBSCAL_PROGRESS_DELAY": "0"}
    proc = subprocess.Popen([sys.executable, "-m", "obscal", *args], cwd=REPO, stdout=subprocess.DEVNULL,
                            stderr=child, env=env)  # fmt: skip
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    proc.wait(timeout=120)
    os.close(main)
    return out.decode("utf-8", "replace")


def test_a_bar_only_on_a_terminal_and_never_with_quiet() -> None:
    shown = _run_on_a_terminal("validate")
    assert "validating" in shown and f"/{EXAMPLE_FILES}" in shown, shown
    assert "validating" not in _run_on_a_terminal("validate", "-q")
    piped = subprocess.run([sys.executable, "-m", "obscal", "validate"], cwd=REPO, capture_output=True, text=True,
                           env={**os.environ, "OBSCAL_PROGRESS_DELAY": "0"}, timeout=120)  # fmt: skip
    assert "validating" not in piped.stderr
