"""Large camera descriptions are read detector by detector, with the same answers as reading them whole."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from obscal.model.camera import CameraView
from obscal.model.formats import read_document
from obscal.model.problems import ParseError
from obscal.store import cameras as cameras_module
from obscal.store.cameras import Cameras
from obscal.testing.synthetic import Writer, lsstcam_spec


@pytest.fixture
def lsstcam(tmp_path: Path) -> Path:
    Writer(lsstcam_spec(), tmp_path).camera(datetime(2024, 1, 1), {})
    path = next((tmp_path / "LSSTCam/camera").glob("*.yaml"))
    assert path.stat().st_size >= cameras_module.LAZY_FROM
    return path


def test_the_lazy_view_answers_as_the_whole_view(lsstcam: Path) -> None:
    whole = CameraView(read_document(lsstcam).content)
    lazy = Cameras(lsstcam.parents[2]).at("LSSTCam").view
    assert lazy._detectors is None  # nothing parsed yet
    assert lazy.name == whole.name and lazy.filters == whole.filters
    assert lazy.detector_dirs() == whole.detector_dirs()
    assert lazy.detector_by_dir("r22_s11") == whole.detector_by_dir("r22_s11")
    assert lazy.find_detector(94) == whole.find_detector(94) and lazy.find_detector("R01_S00") == whole.find_detector(
        "R01_S00"
    )
    assert len(lazy._pending) == len(whole.detectors) - 2  # only the two looked up were parsed (94 is R22_S11)
    assert lazy.detectors == whole.detectors


def test_a_damaged_entry_is_reported_as_in_the_whole_file(lsstcam: Path) -> None:
    text = lsstcam.read_text()
    broken = text.replace("  name: R22_S11\n", "  name: R22_S11\n  name: R22_S11\n", 1)  # a duplicate key
    lsstcam.write_text(broken)
    view = Cameras(lsstcam.parents[2]).at("LSSTCam").view
    with pytest.raises(ParseError, match="duplicate key 'name'"):
        view.detector_by_dir("r22_s11")
    assert view.detector_by_dir("r22_s10") is not None  # the others are unaffected


def test_other_layouts_are_read_whole(lsstcam: Path) -> None:
    text = lsstcam.read_text().replace("\ndetectors:\n- id:", "\ndetectors:\n  - id:", 1)
    assert cameras_module._lazy_view(lsstcam, text.encode()) is None


def test_a_damaged_entry_is_one_clear_problem_for_the_validator_and_the_cli(lsstcam: Path, tmp_path: Path) -> None:
    from obscal.testing.synthetic import Writer
    from obscal.validation.validator import validate

    from .conftest import run_cli

    root = lsstcam.parents[2]
    Writer(lsstcam_spec(), root).defects("defects", lsstcam_spec().detectors[94], datetime(2024, 1, 1), "x", 2)
    text = lsstcam.read_text()
    lsstcam.write_text(text.replace("  name: R22_S11\n", "  name: R22_S11\n  name: R22_S11\n", 1))
    target = next(root.rglob("defects/r22_s11/*.ecsv"))
    result = validate([target], "strict")
    camera = [p for p in result.report.errors if p.code == "camera"]
    assert len(camera) == 1 and "duplicate key 'name'" in camera[0].message, result.report.problems
    assert not result.report.internal_errors
    timeline = run_cli("lookup", "--root", str(root), "--instrument", "LSSTCam", "--type", "defects",
                       "--detector", "94", "--date", "2024-06-01")  # fmt: skip
    assert timeline.returncode == 1 and "duplicate key 'name'" in timeline.stderr and "internal" not in timeline.stderr
