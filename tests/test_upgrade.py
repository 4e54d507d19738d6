"""``obscal upgrade``: a compat package (the real LSST samples) brought to strict, every value unchanged."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import git
import pytest

from obscal.model import registry
from obscal.model.formats import read_document
from obscal.ops.upgrade import upgrade
from obscal.validation.compare import differences
from obscal.validation.validator import validate

from .conftest import REPO, VARIANTS, calibration_files, commit, edit, run_cli, snapshot

SAMPLES = REPO.parent / "shared" / "reference-data"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(), reason="the shared reference samples are not here")
COMMITTED = "2023-05-04T03:02:01+00:00"


def _read(path: Path, root: Path):
    calib_type = path.relative_to(root).parts[2]
    return registry.load_types()[calib_type].from_document(read_document(path), calib_type)


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A git repository holding a copy of the reference samples, committed at a fixed date."""
    root = tmp_path / "samples"
    shutil.copytree(SAMPLES, root)
    commit(git.Repo.init(root), "the LSST data packages as they are", COMMITTED)
    return root


@pytest.fixture
def variants_repo(tmp_path: Path) -> Path:
    """Our own small files in the real legacy layouts (tests/fixtures/variants), in a git repository."""
    root = tmp_path / "variants"
    shutil.copytree(VARIANTS, root / "variants")
    commit(git.Repo.init(root), "legacy variants", COMMITTED)
    return root


@pytest.mark.parametrize("which", ["variants", pytest.param("samples", marks=needs_samples)])
def test_legacy_packages_pass_strict_after_upgrade_but_for_the_camera_descriptions(
    which: str, request: pytest.FixtureRequest
) -> None:
    samples = request.getfixturevalue("variants_repo" if which == "variants" else "samples")
    before = {p: _read(p, samples) for p in calibration_files(samples)}
    assert not validate([samples], "strict").report.ok
    result = upgrade([samples], author="Cal Team")
    assert result.ok, result.report.problems
    assert sorted(result.written) == sorted(before)  # every sample lacked something

    after = validate([samples], "strict")
    instruments = sorted({p.relative_to(samples).parts[1] for p in before})
    camera_errors = [p for p in after.report.errors if p.code == "camera"]
    assert sorted(Path(p.file).name for p in camera_errors) == instruments
    cameras = [item for item in result.left if item.startswith("describe the camera")]
    assert len(cameras) == len(instruments)
    assert all(re.search(r"/camera/<validStart>\.yaml", item) for item in cameras)
    # Anything else still wrong is what upgrade said it could not fill (our variants' detectors have no
    # name in the file, and their lower-case directories cannot give it), with the reason.
    unfilled = {(item.split(": ", 1)[0], item.split(": ", 2)[1]) for item in result.left if item not in cameras}
    for p in after.report.errors:
        if p.code != "camera":
            key = re.search(r"'([A-Z_]+)'", p.message).group(1)
            assert (p.file, key) in unfilled, (p.file, p.message, unfilled)
    if which == "samples":
        assert not unfilled and len(after.report.errors) == len(instruments)

    for path, old in before.items():
        new = _read(path, samples)
        assert [d for d in differences(old, new) if not d.startswith("metadata keys differ")] == [], path
        removed = [k for k in old.getMetadata() if k not in new.getMetadata()]
        assert removed in ([], ["DEFECTS_SCHEMA", "DEFECTS_SCHEMA_VERSION"]), (path, removed)
        record = new.getMetadata()["EDIT_HISTORY"][-1]
        assert "| Cal Team | upgraded to the strict DMTN-148 keywords" in record and "values unchanged" in record


@needs_samples
def test_filled_values_come_from_the_path_the_type_and_git_history(samples: Path) -> None:
    upgrade([samples], author="Cal Team")
    hsc = _read(samples / "obs_subaru_data/hsc/defects/0_00/19700101T000000.ecsv", samples).getMetadata()
    assert hsc["CALIB_ID"] == "instrument=hsc detectorName=0_00 detector=73 calibDate=1970-01-01T00:00:00"
    assert (hsc["defects_SCHEMA"], hsc["defects_VERSION"]) == ("", 2.0)
    assert (hsc["CALIB_CREATION_DATE"], hsc["CALIB_CREATION_TIME"]) == ("2019-05-17", "21:45:46")  # its own DATE
    assert "defects schema 1.0 ('Simple') moved to 2.0" in hsc["EDIT_HISTORY"][-1]
    decam = _read(samples / "obs_decam_data/decam/linearizer/n1/1970-01-01T00:00:00.yaml", samples).getMetadata()
    assert (decam["CALIB_CREATION_DATE"], decam["CALIB_CREATION_TIME"]) == ("2023-05-04", "03:02:01")  # the commit
    assert "the commit that added the file" in decam["EDIT_HISTORY"][-1]
    optics = _read(samples / "obs_lsst_data/lsstCam/transmission_optics/19700101T000000.ecsv", samples).getMetadata()
    assert optics["DETECTOR"] is None and optics["FILTER"] is None
    assert optics["transmission_optics_VERSION"] == 1.0


def test_python_tags_survive_the_upgrade(variants_repo: Path) -> None:
    path = variants_repo / "variants/testcam/linearizer/d1/1970-01-01T00:00:00.yaml"
    tags = re.findall(r"!!python/\S+", path.read_text())
    assert tags
    upgrade([path], author="Cal Team")
    assert re.findall(r"!!python/\S+", path.read_text()) == tags


@needs_samples
def test_dry_run_prints_the_changes_and_writes_nothing(samples: Path) -> None:
    untouched = snapshot(samples)
    result = run_cli("upgrade", "--dry-run", "--author", "Cal Team", str(samples / "obs_lsst_data/latiss"))
    assert result.returncode == 0, result.stderr
    assert "+ defects_VERSION: 2.0  (the layout move)" in result.stdout
    assert "- DEFECTS_SCHEMA_VERSION" in result.stdout
    assert "describe the camera of 'latiss'" in result.stdout
    assert "would upgrade 3 file(s)" in result.stderr
    assert snapshot(samples) == untouched


@needs_samples
def test_json_output_is_one_document(samples: Path) -> None:
    result = run_cli(
        "upgrade", "--dry-run", "--author", "Cal Team", "--format", "json", str(samples / "obs_subaru_data")
    )
    doc = json.loads(result.stdout)
    assert doc["dry_run"] is True and doc["written"] == []
    assert len(doc["files"]) == 3 and all(f["layout"] for f in doc["files"])


@needs_samples
def test_a_second_upgrade_changes_nothing(samples: Path) -> None:
    upgrade([samples], author="Cal Team")
    once = snapshot(samples)
    again = upgrade([samples], author="Cal Team")
    assert again.ok and again.written == []
    assert snapshot(samples) == once


@needs_samples
def test_a_contradiction_is_refused_and_nothing_is_written(samples: Path) -> None:
    edit(
        samples / "obs_subaru_data/hsc/defects/0_48/19700101T000000.ecsv",
        "'1970-01-01T00:00:00'",
        "'1999-01-01T00:00:00'",
    )
    untouched = snapshot(samples)
    result = run_cli("upgrade", "--author", "Cal Team", str(samples))
    assert result.returncode == 1
    assert "0_48/19700101T000000.ecsv" in result.stderr and "CALIBDATE" in result.stderr
    assert "refused: nothing was written" in result.stderr
    assert snapshot(samples) == untouched


def test_with_a_camera_description_the_detector_and_filter_come_from_it(package: Path) -> None:
    path = package / "ExampleCam/transmission_system/r22_s01/r_03/20240101T000000.ecsv"
    text = path.read_text()
    for key in ("DETECTOR", "FILTER", "CALIB_ID", "transmission_system_VERSION", "EDIT_HISTORY"):
        text = re.sub(rf"^# - \{{{key}: [^\n]*\n", "", text, flags=re.M)
    path.write_text(text)
    assert not validate([path], "strict").report.ok
    result = upgrade([path], author="Cal Team")
    assert result.ok and result.written == [path] and result.left == []
    assert validate([path], "strict").report.ok
    md = _read(path, package.parent).getMetadata()
    assert md["DETECTOR"] == 1 and md["FILTER"] == "r_03"
    assert (
        md["CALIB_ID"]
        == "instrument=ExampleCam detectorName=R22_S01 detector=1 filter=r_03 calibDate=2024-01-01T00:00:00"
    )
    assert "DETECTOR, FILTER from the camera description" in md["EDIT_HISTORY"][0]
