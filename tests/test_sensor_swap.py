"""A sensor swap in the camera description: calibrations that span it are flagged, lookups after it warn.

ExampleCam's ``R22_S11`` was replaced on 2025-03-01 (serial ITL-3800C-202 → ITL-3800C-311); every
per-detector type of it has an epoch from that date in the example package.
"""

from __future__ import annotations

import json
from pathlib import Path

from obscal.store.cameras import Cameras
from obscal.validation.validator import validate

from .conftest import edit, run_cli

SWAP = "2025-03-01T00:00:00"


def test_the_camera_service_finds_the_swap(package: Path) -> None:
    swaps = Cameras(package).sensor_swaps("ExampleCam", "r22_s11")
    assert [(s.detector, s.when.isoformat(), s.old_serial, s.new_serial) for s in swaps] == [
        ("R22_S11", SWAP, "ITL-3800C-202", "ITL-3800C-311")
    ]
    assert Cameras(package).sensor_swaps("ExampleCam", "r22_s10") == []


def test_the_example_package_has_a_new_epoch_for_every_type_after_the_swap(package: Path) -> None:
    result = validate([package])
    assert [p for p in result.report.problems if p.code == "sensor-swap"] == []
    swapped = {p.relative_to(package).parts[1] for p in package.rglob("r22_s11/**/20250301T000000.*")}
    per_detector = {p.relative_to(package).parts[1] for p in package.rglob("r22_s11/**/20240101T000000.*")}
    assert swapped == per_detector


def test_a_calibration_spanning_the_swap_is_warned_with_the_swap_date(package: Path) -> None:
    (package / "ExampleCam/linearizer/r22_s11/20250301T000000.ecsv").unlink()
    result = validate([package / "ExampleCam/linearizer"])
    swaps = [p for p in result.report.problems if p.code == "sensor-swap"]
    assert len(swaps) == 1, swaps
    (problem,) = swaps
    assert problem.severity == "warning"
    assert problem.file.endswith("linearizer/r22_s11/20240101T000000.ecsv")
    assert f"replaced on {SWAP}" in problem.message
    assert "ITL-3800C-202 → ITL-3800C-311" in problem.message
    assert "20250301T000000.ecsv" in problem.hint and f"VALIDEND: '{SWAP}'" in problem.hint
    assert result.report.ok  # a warning: the package still converts


def test_ending_the_old_calibration_at_the_swap_silences_the_warning(package: Path) -> None:
    (package / "ExampleCam/linearizer/r22_s11/20250301T000000.ecsv").unlink()
    old = package / "ExampleCam/linearizer/r22_s11/20240101T000000.ecsv"
    edit(old, "# - {CALIBDATE:", f"# - {{VALIDEND: '{SWAP}'}}\n# - {{CALIBDATE:")
    result = validate([package / "ExampleCam/linearizer"])
    assert [p for p in result.report.problems if p.code == "sensor-swap"] == []


def test_a_swap_can_be_ignored_by_code(package: Path) -> None:
    (package / "ExampleCam/qe_curve/r22_s11/20250301T000000.ecsv").unlink()
    warned = run_cli("validate", str(package / "ExampleCam/qe_curve"))
    assert "(sensor-swap)" in warned.stdout, warned.stdout
    quiet = run_cli("validate", "--ignore", "sensor-swap", str(package / "ExampleCam/qe_curve"))
    assert quiet.returncode == 0 and "sensor-swap" not in quiet.stdout, quiet.stdout


def test_a_lookup_after_the_swap_warns_that_the_calibration_is_the_old_sensors(package: Path) -> None:
    (package / "ExampleCam/bfk/r22_s11/20250301T000000.yaml").unlink()
    common = ("lookup", "--root", str(package), "--instrument", "ExampleCam", "--type", "bfk", "--detector", "R22_S11")
    after = run_cli(*common, "--date", "2025-06-01", "--format", "json")
    record = json.loads(after.stdout)
    assert record["calibration"]["path"].endswith("bfk/r22_s11/20240101T000000.yaml")
    assert record["sensor_swap"] == {
        "detector": "R22_S11",
        "date": "2025-03-01T00:00:00Z",
        "old_serial": "ITL-3800C-202",
        "new_serial": "ITL-3800C-311",
    }
    assert "was replaced on 2025-03-01" in after.stderr
    before = run_cli(*common, "--date", "2025-01-01", "--format", "json")
    assert json.loads(before.stdout)["sensor_swap"] is None and "replaced" not in before.stderr
