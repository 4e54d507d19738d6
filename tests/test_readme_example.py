"""The README's validity section, run for real: the worked example line by line, and its Python block."""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import git

from .conftest import REPO, commit

README = (REPO / "README.md").read_text()
SECTION = README[README.index("## Validity: certify, deprecate, look up") : README.index("## Python API")]


def steps() -> list[tuple[list[str], list[str]]]:
    """``(command words, expected output lines)`` of the worked example (continuations joined)."""
    start = SECTION.index("```console\n", SECTION.index("<!-- worked-example")) + len("```console\n")
    lines = SECTION[start : SECTION.index("```", start)].splitlines()
    out: list[tuple[list[str], list[str]]] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.startswith("$ "):
            command = line[2:]
            while command.endswith("\\"):
                command = command[:-1] + " " + lines[i].strip()
                i += 1
            out.append((shlex.split(command, comments=True), []))
        elif line.strip():
            out[-1][1].append(line)
    return out


def matches(expected: str, actual: str) -> bool:
    return re.fullmatch(".*".join(re.escape(part) for part in expected.split("…")), actual) is not None


def test_worked_example(tmp_path: Path) -> None:
    root = tmp_path / "scratch"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    shutil.copytree(REPO / "tests/fixtures/incoming", root / "tests/fixtures/incoming")
    repo = git.Repo.init(root)
    commit(repo, "ExampleCam calibrations", "2024-07-10T08:00:00+00:00")
    env = {**os.environ, "GIT_AUTHOR_NAME": "Jane Doe", "GIT_AUTHOR_EMAIL": "jane@example.org",
           "GIT_COMMITTER_NAME": "Jane Doe", "GIT_COMMITTER_EMAIL": "jane@example.org"}  # fmt: skip
    done = steps()
    assert [words[:2] for words, _ in done].count(["obscal", "lookup"]) == 5
    for words, expected in done:
        program = [sys.executable, "-m", "obscal"] if words[0] == "obscal" else ["git"]
        result = subprocess.run([*program, *words[1:]], cwd=root, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode in (0, 1), f"{words}: {result.stderr}"
        actual = [line for line in result.stdout.splitlines() if line.strip()]
        assert len(actual) == len(expected), f"{shlex.join(words)}:\n{result.stdout}"
        for want, got in zip(expected, actual, strict=True):
            assert matches(want, got), f"{shlex.join(words)}:\n  README: {want}\n  actual: {got}"


def test_python_block(monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    start = SECTION.index("```python\n") + len("```python\n")
    code = SECTION[start : SECTION.index("```", start)]
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(compile(code, "README.md", "exec"), {})
    lines = printed.getvalue().splitlines()
    assert lines[0] == "20240615T000000.ecsv"
    assert lines[1:3] == ["20240101T000000.ecsv 2024-01-01T00:00:00 2025-03-01T00:00:00",
                          "20250301T000000.ecsv 2025-03-01T00:00:00 open"]  # fmt: skip
    assert lines[3] == "74 0"
