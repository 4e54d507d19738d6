"""``Package``, ``lookup``, ``timeline`` and the validator's range checks on real trees and real git repositories."""

from __future__ import annotations

import json
import shlex
import shutil
import subprocess
from pathlib import Path

import git
import pytest

from obscal import ObscalError, Package, validate
from obscal.ops.deprecate import deprecate

from .conftest import EXAMPLE_FILES, REPO, commit, edit, run_cli, snapshot

DEF = "ExampleCam/defects/r22_s00"


def test_package_iterates_and_answers(package: Path) -> None:
    pkg = Package.open(package)
    files = list(pkg)
    assert len(files) == len(pkg) == EXAMPLE_FILES and not pkg.problems
    assert [f.rel for f in files] == sorted(f.rel for f in files)
    assert pkg.instruments() == ["ExampleCam"] and "defects" in pkg.types("ExampleCam")
    by_name = pkg.lookup("ExampleCam", "defects", "2024-07-01T00:00:00", detector="R22_S00")
    by_id = pkg.lookup("examplecam", "defects", "2024-07-01T00:00:00", detector=0)
    assert by_name.found == by_id.found and by_name.found.path.name == "20240615T000000.ecsv"
    assert pkg.read(by_name.found.path).getMetadata()["DETECTOR"] == 0
    assert [r.path.name for r in pkg.ranges("ExampleCam", "defects", detector="r22_s11")] == [
        "20240101T000000.ecsv",
        "20250301T000000.ecsv",
    ]
    assert pkg.lookup("ExampleCam", "transmission_optics", "2030-01-01").found is not None
    assert pkg.camera("ExampleCam").find_detector(3).name == "R22_S11"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("ExampleCan", "defects"), "did you mean 'ExampleCam'?"),
        (("ExampleCam", "defect"), "did you mean 'defects'?"),
        (("ExampleCam", "defects"), "is per detector: give a detector"),
        (("ExampleCam", "defects", "R22_S12"), "no defects of ExampleCam for detector 'R22_S12'; did you mean"),
        (("ExampleCam", "defects", 99), "cannot tell which detector id 99"),
        (("ExampleCam", "transmission_optics", "R22_S00"), "does not depend on the detector"),
        (("ExampleCam", "transmission_filter", None, "z_99"), "no transmission_filter of ExampleCam for filter"),
    ],
)
def test_questions_about_what_is_not_there_are_usage_errors(package: Path, args: tuple, fragment: str) -> None:
    with pytest.raises(ObscalError) as exc:
        Package.open(package).lookup(*args[:2], "2024-07-01", *args[2:])
    assert fragment in str(exc.value)


def test_explicit_validend_cuts_the_range_and_is_checked(package: Path) -> None:
    first = package / DEF / "20240101T000000.ecsv"
    edit(
        first,
        "# - {CALIBDATE: '2024-01-01T00:00:00'}",
        "# - {CALIBDATE: '2024-01-01T00:00:00'}\n# - {VALIDEND: '2024-05-01T00:00:00'}",
    )
    report = validate([package / DEF], profile="strict")
    assert report.ok and not report.warnings
    line = first.read_text().splitlines().index("# - {VALIDEND: '2024-05-01T00:00:00'}") + 1
    gap = [p for p in report.infos if p.code == "gap"]
    assert len(gap) == 1 and gap[0].line == line and gap[0].pointer == "/metadata/VALIDEND"
    answer = Package.open(package).lookup("ExampleCam", "defects", "2024-05-01", detector=0)
    assert answer.why == "gap" and "20240101T000000.ecsv ended at 2024-05-01T00:00:00" in answer.reason

    edit(first, "2024-05-01T00:00:00", "2024-07-01T00:00:00")
    report = validate([first], profile="strict")  # one file: its sibling on disk is still taken into account
    [error] = report.errors
    assert error.file.endswith("r22_s00/20240101T000000.ecsv") and error.line == line
    assert "overlaps 20240615T000000.ecsv, which starts at 2024-06-15T00:00:00" in error.message

    edit(first, "2024-07-01T00:00:00", "2023-07-01T00:00:00")
    assert "is not after the validity start" in validate([first]).errors[0].message
    edit(first, "2023-07-01T00:00:00", "July 1st")
    assert "VALIDEND" in validate([first]).errors[0].message


def test_deprecated_files_are_validated_reported_and_left_out(package: Path, tmp_path: Path) -> None:
    later = package / DEF / "20240615T000000.ecsv"
    [record] = deprecate(later, "the column mask is shifted by one pixel", author="Jane Doe")
    assert record == package / DEF / "20240615T000000.deprecated.yaml"
    report = validate([package], profile="strict")
    assert report.ok, report.errors
    [dep] = [p for p in report.infos if p.code == "deprecated"]
    assert dep.file.endswith("20240615T000000.ecsv") and "by Jane Doe: the column mask is shifted" in dep.message
    out = run_cli("validate", str(package))
    assert out.returncode == 0 and "Deprecated (1):" in out.stdout and "1 deprecated" in out.stdout

    edit(later, "{DETECTOR: 0}", "{DETECTOR: 1}")  # a deprecated file is still checked
    assert any("DETECTOR 1 does not match" in p.message for p in validate([package]).errors)


def lookup(package: Path, args: str) -> subprocess.CompletedProcess:
    base = ["lookup", "--root", str(package), "--instrument", "ExampleCam", "--type", "defects"]
    return run_cli(*base, *shlex.split(args))


def test_lookup_and_timeline_cli(package: Path) -> None:
    deprecate(package / DEF / "20240615T000000.ecsv", "bad mask", author="Jane Doe")
    ok = lookup(package, "--detector R22_S00 --date 2024-03-01T12:00:00")
    assert ok.returncode == 0, ok.stderr
    assert "20240101T000000.ecsv" in ok.stdout and "valid    [2024-01-01T00:00:00Z, 2024-06-15T00:00:00Z)" in ok.stdout
    assert "edits    2024-01-02T09:30:00Z | obscal example generator" in ok.stdout
    none = lookup(package, "--detector 0 --date 2024-07-01 --format json")
    assert none.returncode == 1, none.stderr
    record = json.loads(none.stdout)
    assert record["found"] is False and record["why"] == "deprecated" and record["calibration"] is None
    assert record["deprecated"]["author"] == "Jane Doe" and record["previous"]["path"].endswith("20240101T000000.ecsv")
    bad = lookup(package, "--detector 0 --date soon")
    assert bad.returncode == 2 and "'soon' is not a date" in bad.stderr and "Traceback" not in bad.stderr
    timeline = run_cli("timeline", "--root", str(package), "--instrument", "ExampleCam", "--type", "defects")
    assert timeline.returncode == 0
    rows = [line.split() for line in timeline.stdout.splitlines()]
    assert rows[0] == ["TYPE", "DETECTOR", "FILTER", "START", "END", "FILE", "NOTE"]
    assert [
        "defects",
        "r22_s00",
        "-",
        "2024-06-15T00:00:00Z",
        "open",
        "20240615T000000.ecsv",
        "DEPRECATED:",
        "gap",
    ] in rows
    as_json = json.loads(
        run_cli("timeline", "--root", str(package), "--instrument", "ExampleCam", "--format", "json").stdout
    )
    assert {r["type"] for r in as_json} >= {"camera", "defects", "transmission_filter"}


# ------------------------------------------------------------------------------------------ --as-of


@pytest.fixture
def history(tmp_path: Path) -> git.Repo:
    """A package repository with three commits: v1.0, a new calibration plus an explicit end, a deprecation."""
    root = tmp_path / "repo"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    repo = git.Repo.init(root)
    commit(repo, "ExampleCam calibrations", "2024-03-01T10:00:00+00:00")
    repo.create_tag("v1.0")
    new = root / "obs_data" / DEF / "20250101T000000.ecsv"
    shutil.copy(root / "obs_data" / DEF / "20240615T000000.ecsv", new)
    edit(new, "calibDate=2024-06-15T00:00:00", "calibDate=2025-01-01T00:00:00")
    edit(
        new,
        "# - {CALIBDATE: '2024-06-15T00:00:00'}",
        "# - {CALIBDATE: '2025-01-01T00:00:00'}\n# - {VALIDEND: '2025-06-01T00:00:00'}",
    )
    commit(repo, "New defects for R22_S00 valid in the first half of 2025", "2025-01-05T10:00:00+00:00")
    repo.create_tag("v1.1")
    deprecate(root / "obs_data" / DEF / "20240615T000000.ecsv", "shifted mask", author="Jane Doe")
    commit(repo, "Deprecate the June 2024 defects of R22_S00", "2025-02-01T10:00:00+00:00")
    return repo


def test_as_of_answers_from_the_package_as_it_stood(history: git.Repo) -> None:
    root = Path(history.working_tree_dir) / "obs_data"
    before = snapshot(Path(history.working_tree_dir))
    ask = ("ExampleCam", "defects", "2025-03-01T00:00:00", "R22_S00")
    v10, v11, now = Package.open(root, rev="v1.0"), Package.open(root, rev="v1.1"), Package.open(root)
    assert v10.lookup(*ask).found.path.name == "20240615T000000.ecsv"  # what we would have used then
    assert v11.lookup(*ask).found.path.name == "20250101T000000.ecsv"
    assert v11.lookup("ExampleCam", "defects", "2025-06-01", "R22_S00").why == "after-last"  # VALIDEND read from git
    assert now.lookup("ExampleCam", "defects", "2024-07-01", "R22_S00").why == "deprecated"
    assert v11.lookup("ExampleCam", "defects", "2024-07-01", "R22_S00").found.path.name == "20240615T000000.ecsv"
    assert v10.commit == history.tags["v1.0"].commit.hexsha
    assert len(v10) == EXAMPLE_FILES and len(v11) == EXAMPLE_FILES + 1
    assert [c.subject for c in v10.history(v10.lookup(*ask).found.path)] == ["ExampleCam calibrations"]
    assert snapshot(Path(history.working_tree_dir)) == before  # nothing checked out or written

    cli = lookup(root, "--detector 0 --date 2025-03-01 --as-of v1.0 --format json")
    record = json.loads(cli.stdout)
    assert cli.returncode == 0 and record["as_of"] == {"rev": "v1.0", "commit": history.tags["v1.0"].commit.hexsha}
    assert record["calibration"]["path"].endswith("20240615T000000.ecsv")
    assert record["calibration"]["last_commit"]["subject"] == "ExampleCam calibrations"


def test_as_of_refuses_what_it_cannot_read(history: git.Repo, tmp_path: Path) -> None:
    root = Path(history.working_tree_dir) / "obs_data"
    with pytest.raises(ObscalError, match="unknown git revision 'v9'"):
        Package.open(root, rev="v9")
    with pytest.raises(ObscalError, match="does not exist"):
        Package.open(root / "ExampleCam" / "nothing", rev="v1.0")
    outside = tmp_path / "plain"
    shutil.copytree(REPO / "obs_data" / "ExampleCam" / "camera", outside / "ExampleCam" / "camera")
    with pytest.raises(ObscalError, match=r"needs .* to be in a git repository"):
        Package.open(outside, rev="v1.0")


def test_a_broken_camera_is_a_message_not_a_traceback(package: Path) -> None:
    (package / "ExampleCam/camera/20240101T000000.yaml").write_text("detectors: [\n")
    with pytest.raises(ObscalError, match=r"camera/20240101T000000\.yaml: the camera description cannot be read"):
        Package.open(package).lookup("ExampleCam", "defects", "2024-07-01", detector=0)
    cli = lookup(package, "--detector 0 --date 2024-07-01")
    assert cli.returncode == 2 and "run obscal validate" in cli.stderr and "Traceback" not in cli.stderr
