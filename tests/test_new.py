"""``obscal new``: a valid calibration to edit, at the right path, identity from the camera."""

from __future__ import annotations

from pathlib import Path

from obscal.model import registry
from obscal.model.formats import read_document
from obscal.validation.validator import validate

from .conftest import run_cli, snapshot

EX = "ExampleCam"


def _metadata(path: Path) -> dict:
    return registry.load_types()["crosstalk"].from_document(read_document(path), "crosstalk").getMetadata()


def test_a_new_epoch_is_valid_and_identified_from_the_camera(package: Path) -> None:
    ran = run_cli("new", "crosstalk", "--instrument", EX, "--detector", "3", "--valid-start", "2025-09-01",
                  "--author", "Jane Doe", "--root", str(package))  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    target = package / EX / "crosstalk/r22_s11/20250901T000000.ecsv"
    assert f"wrote {target}" in ran.stdout and "template:" in ran.stdout
    md = _metadata(target)
    assert md["DET_SER"] == "ITL-3800C-311"  # the sensor in the camera at the new start (after the swap)
    assert md["CALIBDATE"] == "2025-09-01T00:00:00" and "calibDate=2025-09-01T00:00:00" in md["CALIB_ID"]
    assert len(md["EDIT_HISTORY"]) == 1 and "| Jane Doe | new epoch from the obscal template" in md["EDIT_HISTORY"][0]
    assert md["CALIB_CREATION_DATE"] != "2024-01-02"  # created now, not when the template was
    assert validate([package], "strict").report.ok


def test_refusals_write_nothing(package: Path) -> None:
    before = snapshot(package)
    taken = run_cli("new", "defects", "--instrument", EX, "--detector", "R22_S00", "--valid-start", "2024-01-01",
                    "--author", "Jane Doe", "--root", str(package))  # fmt: skip
    assert taken.returncode == 1 and "refused: nothing was written" in taken.stderr
    unknown = run_cli("new", "defects", "--instrument", EX, "--detector", "R99_S99", "--valid-start", "2025-01-01",
                      "--author", "Jane Doe", "--root", str(package))  # fmt: skip
    assert unknown.returncode in (1, 2) and "R99_S99" in unknown.stderr + unknown.stdout
    assert snapshot(package) == before
