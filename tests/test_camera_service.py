"""One camera service: every caller sees the same camera description valid at an instant.

Before the restructure a deprecated camera description gave three behaviours (whole-tree validation
checked against it, ``Package.camera`` returned nothing, certify refused) and single-file validation of
its deprecation record (the pre-commit path) failed on the record's file name.
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pytest

from obscal import Package, validate
from obscal.model.problems import Code, Severity
from obscal.ops.certify import certify
from obscal.ops.deprecate import deprecate
from obscal.store.cameras import CameraError, Cameras

from .conftest import edit, run_cli

EX = "ExampleCam"
SWAP = datetime(2025, 3, 1)  # the second camera description (a sensor swap on R22_S11)


def _deprecate_second_camera(package: Path, replacement: bool) -> Path:
    cameras = package / EX / "camera"
    second = cameras / "20250301T000000.yaml"
    superseded_by = None
    if replacement:
        fixed = cameras / "20250301T000001.yaml"
        shutil.copy(second, fixed)
        edit(fixed, "2025-03-01T00:00:00", "2025-03-01T00:00:01", count=2)
        superseded_by = fixed
    deprecate(second, "wrong serial for R22_S11", superseded_by=superseded_by, author="Cal Team")
    return second


def _codes_at(result, path_part: str, code: Code) -> list:
    return [p for p in result.problems if path_part in p.file and p.code is code]


def test_service_answers_from_the_timeline(package: Path) -> None:
    cameras = Cameras(package)
    assert cameras.at(EX, datetime(2024, 6, 1)).path.name == "20240101T000000.yaml"
    assert cameras.at(EX, SWAP).path.name == "20250301T000000.yaml"
    assert cameras.at(EX, datetime(2023, 1, 1)) is None
    assert cameras.at(EX).path.name == "20250301T000000.yaml"  # latest in use
    assert not Cameras(package).has_any("NoSuchCam")


def test_deprecated_camera_without_replacement_is_a_gap_for_every_caller(package: Path) -> None:
    _deprecate_second_camera(package, replacement=False)
    # Package and lookups: nothing valid after the deprecated description's start, the first one before it.
    pkg = Package.open(package)
    assert pkg.camera(EX, datetime(2025, 6, 1)) is None
    assert pkg.camera(EX, datetime(2024, 6, 1)) is not None
    # Whole-tree validation: the files dated at the swap have no camera description (strict: an error).
    result = validate([package])
    at_swap = _codes_at(result, "r22_s11/20250301T000000", Code.CAMERA)
    assert at_swap and all(p.severity is Severity.ERROR for p in at_swap)
    assert "deprecated" in at_swap[0].message
    # Single files (the pre-commit path) say the same as the whole tree.
    single = validate([package / EX / "defects/r22_s11/20250301T000000.ecsv"])
    assert [(p.code, p.message) for p in _codes_at(single, "r22_s11", Code.CAMERA)] == [
        (p.code, p.message) for p in _codes_at(result, f"{EX}/defects/r22_s11/20250301T000000", Code.CAMERA)
    ]
    # Certify refuses a detector calibration where no description is valid, naming the date.
    src = package / EX / "defects/r22_s00/20240101T000000.ecsv"
    refused = certify(
        src, instrument=EX, calib_type="defects", detector="R22_S00", valid_start="2025-06-01",
        reason="test", author="Cal Team", root=package,
    )  # fmt: skip
    assert not refused.ok
    assert any("no camera description" in p.message for p in refused.report.errors)


def test_deprecated_camera_with_replacement_is_used_by_every_caller(package: Path) -> None:
    _deprecate_second_camera(package, replacement=True)
    pkg = Package.open(package)
    found = pkg.cameras.at(EX, SWAP)
    assert found is not None and found.path.name == "20250301T000001.yaml"  # covers the deprecated interval
    assert pkg.camera(EX, datetime(2025, 6, 1)) is not None
    result = validate([package])
    assert result.ok, [p.message for p in result.errors]
    assert not _codes_at(result, "20250301T000000", Code.CAMERA)


def test_single_file_validation_of_a_camera_deprecation_record(package: Path) -> None:
    second = _deprecate_second_camera(package, replacement=False)
    record = second.with_name("20250301T000000.deprecated.yaml")
    result = validate([record])
    assert result.ok, [(p.file, p.message) for p in result.errors]
    assert not any("not a validity start" in p.message for p in result.problems)
    assert any(p.code is Code.DEPRECATED for p in result.infos)
    ran = run_cli("validate", str(record), cwd=package.parent)
    assert ran.returncode == 0, ran.stdout + ran.stderr


def test_unreadable_camera_is_one_error_naming_the_file(package: Path) -> None:
    (package / EX / "camera/20250301T000000.yaml").write_text("metadata: [unclosed\n")
    with pytest.raises(CameraError) as caught:
        Cameras(package).at(EX, datetime(2025, 6, 1))
    assert caught.value.path.name == "20250301T000000.yaml"
    result = validate([package / EX / "defects"])
    named = [p for p in result.errors if p.file.endswith("camera/20250301T000000.yaml")]
    assert len(named) == 1 and named[0].code is Code.CAMERA
