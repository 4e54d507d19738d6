"""Edit records enforced, semantic diff and the git diff driver, on real git repositories."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest

from obscal.model.problems import ObscalError
from obscal.ops.diff import as_text, diff
from obscal.ops.record import record
from obscal.ops.textconv import textconv

from .conftest import REPO, commit, edit, run_cli

EX = "obs_data/ExampleCam"
DEFECTS = f"{EX}/defects/r22_s00/20240101T000000.ecsv"
CROSSTALK = f"{EX}/crosstalk/r22_s00/20240101T000000.ecsv"
QE = f"{EX}/qe_curve/r22_s00/20240101T000000.ecsv"


@pytest.fixture
def pkg(tmp_path: Path) -> Path:
    root = tmp_path / "pkg"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    repo = git.Repo.init(root)
    repo.git.checkout("-b", "main")
    commit(repo, "package", "2025-01-01T00:00:00+00:00")
    return root


def _move_last_box(path: Path) -> None:
    lines = path.read_text().splitlines()
    x0, rest = lines[-1].split(" ", 1)
    lines[-1] = f"{int(x0) + 1} {rest}"
    path.write_text("\n".join(lines) + "\n")


def test_record_appends_one_entry_and_keeps_every_value(pkg: Path) -> None:
    path = pkg / DEFECTS
    before = path.read_text()
    result = record([path], "masked a new hot pixel", author="Jane Doe")
    assert result.ok and result.written == [path]
    after = path.read_text()
    assert "| Jane Doe | masked a new hot pixel" in after
    assert before.split("# schema")[1] == after.split("# schema")[1]  # the table is untouched
    with pytest.raises(ObscalError, match="reason"):
        record([path], "   ", author="Jane Doe")
    with pytest.raises(ObscalError, match=r"\|"):
        record([path], "x", author="A | B")


def test_changed_since_requires_a_new_record(pkg: Path) -> None:
    _move_last_box(pkg / DEFECTS)
    refused = run_cli("validate", "--changed-since", "HEAD", cwd=pkg)
    assert refused.returncode == 1
    assert "changed since HEAD (values: table 0: column x0: values differ) without a new edit record" in refused.stdout
    assert f'obscal record {DEFECTS} --reason "what changed and why"' in refused.stdout
    record([pkg / DEFECTS], "moved the last box", author="Jane Doe")
    assert run_cli("validate", "--changed-since", "HEAD", cwd=pkg).returncode == 0
    # Rewriting an earlier record is refused too.
    edit(pkg / DEFECTS, "| obscal example generator |", "| someone else |")
    rewritten = run_cli("validate", "--changed-since", "HEAD", cwd=pkg)
    assert rewritten.returncode == 1 and "records are only appended" in rewritten.stdout


def test_a_metadata_change_needs_a_record_and_a_new_file_does_not(pkg: Path) -> None:
    edit(pkg / CROSSTALK, "{CROSSTALK_RATIOS_UNITS: electron}", "{CROSSTALK_RATIOS_UNITS: adu}")
    out = run_cli("validate", "--changed-since", "HEAD", str(pkg / CROSSTALK), cwd=pkg)
    assert out.returncode == 1 and "(metadata: CROSSTALK_RATIOS_UNITS) without a new edit record" in out.stdout
    shutil.copy(pkg / DEFECTS, pkg / f"{EX}/defects/r22_s00/20240701T000000.ecsv")
    edit(pkg / f"{EX}/defects/r22_s00/20240701T000000.ecsv", "2024-01-01T00:00:00", "2024-07-01T00:00:00", count=2)
    new = run_cli(
        "validate", "--changed-since", "HEAD", str(pkg / f"{EX}/defects/r22_s00/20240701T000000.ecsv"), cwd=pkg
    )
    assert "edit record" not in new.stdout, new.stdout


def test_diff_says_what_changed_in_physical_terms(pkg: Path) -> None:
    repo = git.Repo(pkg)
    _move_last_box(pkg / DEFECTS)
    edit(pkg / CROSSTALK, "0.00018071522749280088", "0.00028071522749280088")
    qe = (pkg / QE).read_text().splitlines()
    row = next(i for i, line in enumerate(qe) if line.startswith("C00 ") and not line.startswith("C00 320"))
    parts = qe[row].split(" ")
    parts[2] = repr(float(parts[2]) * 1.1)
    qe[row] = " ".join(parts)
    (pkg / QE).write_text("\n".join(qe) + "\n")
    record([pkg / DEFECTS, pkg / CROSSTALK, pkg / QE], "retuned", author="Jane Doe")
    repo.git.mv(f"{EX}/defects/r22_s01/20240101T000000.ecsv", f"{EX}/defects/r22_s01/20231201T000000.ecsv")
    (pkg / f"{EX}/manual_defects/r22_s01/20240101T000000.ecsv").unlink()
    commit(repo, "changes", "2025-02-01T00:00:00+00:00")
    result = {d.path: d for d in diff([pkg / "obs_data"], "HEAD~1", "HEAD")}
    defects = result[DEFECTS].lines
    assert any(line.startswith("defects added: 1 box(es)") for line in defects)
    assert any(line.startswith("defects removed: 1 box(es)") for line in defects)
    assert "edit record:" in " ".join(defects) and "retuned" in " ".join(defects)
    assert "CT_COEFFS: largest change 0.0001 at amplifiers 0 -> 1" in " ".join(result[CROSSTALK].lines)
    assert any("efficiency: largest change" in line and "amplifier C00" in line for line in result[QE].lines)
    renamed = result[f"{EX}/defects/r22_s01/20231201T000000.ecsv"]
    assert renamed.status == "renamed" and "validity start: 20240101T000000 -> 20231201T000000" in renamed.lines
    assert result[f"{EX}/manual_defects/r22_s01/20240101T000000.ecsv"].status == "removed"
    markdown = as_text(list(result.values()), markdown=True)
    assert markdown.startswith("## Calibration changes") and "### modified" in markdown
    cli = run_cli("diff", "HEAD~1", "HEAD", "--format", "markdown", cwd=pkg)
    assert cli.returncode == 0 and cli.stdout == markdown


def test_diff_against_the_merge_base_by_default(pkg: Path) -> None:
    repo = git.Repo(pkg)
    repo.git.checkout("-b", "topic")
    _move_last_box(pkg / DEFECTS)
    out = run_cli("diff", cwd=pkg)
    assert out.returncode == 0 and f"modified {DEFECTS}" in out.stdout
    repo.git.checkout("--", ".")
    assert run_cli("diff", cwd=pkg).stdout == "No calibration changed.\n"


def test_git_diff_with_the_driver_shows_one_changed_matrix_row(pkg: Path) -> None:
    shutil.copy(REPO / ".gitattributes", pkg / ".gitattributes")
    driver = f"{sys.executable} -m obscal textconv"  # what `obscal textconv` runs, without relying on PATH
    subprocess.run(["git", "config", "diff.obscal.textconv", driver], cwd=pkg, check=True)
    edit(pkg / CROSSTALK, "0.00018071522749280088", "0.00019071522749280088")
    shown = subprocess.run(["git", "diff", "-U0", "--", CROSSTALK], cwd=pkg, capture_output=True, text=True).stdout
    changed = [line for line in shown.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert len(changed) == 2 and changed[0].startswith("-  [ 0]") and changed[1].startswith("+  [ 0]"), shown
    text = textconv(pkg / CROSSTALK)
    assert "CT_COEFFS (16 x 16, row = source amplifier):" in text and "NAMP: 16" in text
