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
