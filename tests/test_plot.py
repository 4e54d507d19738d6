"""``obscal plot``: every kind of calibration drawn to a real PNG (read back with matplotlib)."""

from __future__ import annotations

import shutil
from pathlib import Path

import git
import pytest

from .conftest import REPO, commit, run_cli

pytest.importorskip("matplotlib", reason="obscal[plot] is not installed")
EX = "obs_data/ExampleCam"


def _image(path: Path):
    import matplotlib.image

    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return matplotlib.image.imread(path)


@pytest.mark.parametrize(
    "rel",
    [
        "defects/r22_s00/20240615T000000.ecsv",
        "crosstalk/r22_s00/20240101T000000.ecsv",
        "qe_curve/r22_s00/20240101T000000.ecsv",
        "transmission_filter/g_01/20240101T000000.ecsv",
        "linearizer/r22_s00/20240101T000000.ecsv",
        "bfk/r22_s00/20240101T000000.yaml",
    ],
)
def test_each_type_is_drawn(tmp_path: Path, rel: str) -> None:
    out = tmp_path / "plot.png"
    ran = run_cli("plot", f"{EX}/{rel}", "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    image = _image(out)
    assert image.shape[0] >= 400 and image.shape[1] >= 600
    assert image[..., :3].std() > 0.01  # not a blank canvas


def test_timeline_and_overlay_against_a_revision(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    repo = git.Repo.init(root)
    commit(repo, "package", "2025-01-01T00:00:00+00:00")
    target = root / EX / "defects/r22_s00/20240101T000000.ecsv"
    lines = target.read_text().splitlines()
    lines[-1] = "2000 2000 40 40"
    target.write_text("\n".join(lines) + "\n")
    same = run_cli("plot", str(target), "-o", str(tmp_path / "same.png"))
    vs = run_cli("plot", str(target), "--vs", "HEAD", "-o", str(tmp_path / "vs.png"))
    assert same.returncode == vs.returncode == 0, vs.stderr
    assert (_image(tmp_path / "same.png") != _image(tmp_path / "vs.png")).any()  # added and removed boxes drawn
    timeline = run_cli("plot", str(root / EX), "-o", str(tmp_path / "timeline.png"))
    assert timeline.returncode == 0 and _image(tmp_path / "timeline.png").shape[0] > 600


def test_a_type_without_a_picture_is_a_clear_error(tmp_path: Path) -> None:
    ran = run_cli("plot", f"{EX}/camera/20240101T000000.yaml", "-o", str(tmp_path / "x.png"))
    assert ran.returncode == 2 and "camera has no picture" in ran.stderr
    assert not (tmp_path / "x.png").exists()
