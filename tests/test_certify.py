"""``certify`` and ``deprecate`` on real trees: normalized output, refusals that leave the tree untouched."""

from __future__ import annotations

import shlex
import shutil
import warnings
from datetime import datetime
from pathlib import Path

import git
import pytest
from astropy.io import fits
from astropy.table import Table

from obscal import Calibration, ObscalError, Package, validate
from obscal.model.formats import read_document
from obscal.ops.certify import certify
from obscal.ops.convert import convert
from obscal.ops.deprecate import deprecate

from .conftest import REPO, commit, edit, run_cli, snapshot

DEF = "ExampleCam/defects/r22_s00"
NOW = datetime(2026, 1, 5, 9, 0, 0)
PROVENANCE = """\
provenance_version: '1.0'
producer: {pipeline: cp_pipe, version: w.2025.52, task: cpDefects.yaml}
inputs:
- data_id: {instrument: ExampleCam, exposure: 2025120100123, detector: 0}
  dataset_type: postISRCCD
config: {nSigmaBright: 4.8}
"""


def run(package: Path, source: Path, **kw) -> object:
    args = {
        "instrument": "ExampleCam",
        "calib_type": "defects",
        "detector": "R22_S00",
        "valid_start": "2025-01-01",
        "reason": "defects from the 2024-12 campaign",
        "author": "Jane Doe",
        "root": package,
        "now": NOW,
    }
    args.update(kw)
    return certify(source, **args)


def bare_defects(tmp_path: Path) -> Path:
    """An ECSV defects file as a pipeline might leave it: no DMTN-148 bookkeeping, no edit history."""
    src = tmp_path / "incoming" / "defects_R22_S00.ecsv"
    src.parent.mkdir(parents=True, exist_ok=True)
    text = (REPO / "obs_data" / DEF / "20240615T000000.ecsv").read_text()
    keep = [
        line for line in text.splitlines() if not line.startswith(("# - {CALIB", "# - {EDIT_HISTORY", "# - {DET_SER"))
    ]
    src.write_text("\n".join(keep) + "\n")
    return src


def test_certify_from_a_bare_ecsv_fills_every_keyword(package: Path, tmp_path: Path) -> None:
    result = run(package, bare_defects(tmp_path))
    assert result.ok, result.report.problems
    target = package / DEF / "20250101T000000.ecsv"
    assert result.written == [target] and result.target == target
    md = Calibration.readText(target).getMetadata()
    assert (
        list(md)[:4] == ["OBSTYPE", "defects_SCHEMA", "defects_VERSION", "INSTRUME"] and list(md)[-1] == "EDIT_HISTORY"
    )
    assert md["DETECTOR"] == 0 and md["DET_NAME"] == "R22_S00" and md["DET_SER"] == "E2V-CCD250-101"  # from the camera
    assert md["CALIBDATE"] == "2025-01-01T00:00:00"
    assert md["CALIB_ID"] == "instrument=ExampleCam detectorName=R22_S00 detector=0 calibDate=2025-01-01T00:00:00"
    assert (md["CALIB_CREATION_DATE"], md["CALIB_CREATION_TIME"]) == ("2026-01-05", "09:00:00")
    assert md["EDIT_HISTORY"] == [
        "2026-01-05T09:00:00Z | Jane Doe | certified from defects_R22_S00.ecsv: defects from the 2024-12 campaign"
    ]
    assert "the certification time is used" in " ".join(result.notes)
    assert "20240615T000000.ecsv now ends at 2025-01-01T00:00:00 (was open)" in result.notes
    assert validate([package], profile="strict").ok
    answer = Package.open(package).lookup("ExampleCam", "defects", "2025-02-01", detector=0)
    assert answer.found.path.name == "20250101T000000.ecsv"


def test_certify_from_yaml_with_an_end_and_provenance(package: Path, tmp_path: Path) -> None:
    src = tmp_path / "bfk.yaml"
    shutil.copy(package / "ExampleCam/bfk/r22_s10/20240101T000000.yaml", src)
    (tmp_path / "bfk.provenance.yaml").write_text(PROVENANCE)
    result = run(
        package, src, calib_type="bfk", detector=2, valid_start="2024-09-01T00:00:00", valid_end="2024-12-01T00:00:00"
    )
    assert result.ok, result.report.problems
    target = package / "ExampleCam/bfk/r22_s10/20240901T000000.yaml"
    assert result.written == [target, target.with_name("20240901T000000.provenance.yaml")]
    doc = read_document(target)
    assert doc.metadata["VALIDEND"] == "2024-12-01T00:00:00" and doc.metadata["CALIB_CREATION_DATE"] == "2024-01-02"
    assert len(doc.metadata["EDIT_HISTORY"]) == 2  # the source's record is kept, ours appended
    assert "cpDefects.yaml" in target.with_name("20240901T000000.provenance.yaml").read_text()
    report = validate([package / "ExampleCam/bfk"], profile="strict")
    assert report.ok, report.errors
    assert any(p.code == "gap" and "2024-12-01T00:00:00" in p.message for p in report.infos)
    answer = Package.open(package).lookup("ExampleCam", "bfk", "2024-12-01", detector="R22_S10")
    assert answer.why == "after-last" and "explicit VALIDEND" in answer.reason


def test_certify_from_pipeline_fits(package: Path, tmp_path: Path) -> None:
    meta = {
        "OBSTYPE": "defects",
        "INSTRUME": "ExampleCam",
        "DETECTOR": 3,
        "DET_NAME": "R22_S11",
        "CALIBDATE": "2025-11-20T00:00:00",
        "CALIB_CREATION_DATE": "2025-11-21",
        "CALIB_CREATION_TIME": "10:11:12",
        "CALIBCLS": "lsst.ip.isr.defects.Defects",
        "defects_SCHEMA": "",
        "defects_VERSION": 2.0,
    }
    table = Table({"x0": [10, 400], "y0": [20, 0], "width": [1, 2], "height": [30, 4000]}, meta=meta)
    src = tmp_path / "defects_R22_S11.fits"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)
        fits.HDUList([fits.PrimaryHDU(), fits.table_to_hdu(table)]).writeto(src)
    given = tmp_path / "construction.yaml"
    given.write_text(PROVENANCE)
    result = run(package, src, detector="R22_S11", valid_start="2025-12-01T00:00:00", provenance_file=given)
    assert result.ok, result.report.problems
    target = package / "ExampleCam/defects/r22_s11/20251201T000000.ecsv"
    assert result.written == [target, target.with_name("20251201T000000.provenance.yaml")]
    assert result.written[1].read_text() == PROVENANCE
    calib = Calibration.readText(target)
    md = calib.getMetadata()
    assert md["CALIBDATE"] == "2025-12-01T00:00:00" and md["CALIB_CREATION_TIME"] == "10:11:12"
    assert list(calib.tables()[0].columns[0].data) == [10, 400]
    assert validate([package / "ExampleCam/defects"], profile="strict").ok


def test_certify_takes_the_author_from_git(package: Path, tmp_path: Path) -> None:
    repo = git.Repo.init(package.parent)
    with repo.config_writer() as config:
        config.set_value("user", "name", "Ana Lopez")
    result = run(package, bare_defects(tmp_path), author=None)
    assert result.ok, result.report.problems
    assert "| Ana Lopez | certified from" in (package / DEF / "20250101T000000.ecsv").read_text()


def _with_validend(package: Path) -> None:
    edit(
        package / DEF / "20240101T000000.ecsv",
        "# - {CALIBDATE: '2024-01-01T00:00:00'}",
        "# - {CALIBDATE: '2024-01-01T00:00:00'}\n# - {VALIDEND: '2024-05-01T00:00:00'}",
    )


REFUSALS = [
    ({"valid_start": "2024-06-15T00:00:00"}, None, "the file already exists; certify never overwrites"),
    ({"valid_start": "2024-06-15T00:00:00"}, "yaml", "conflicts with 20240615T000000.ecsv, which starts at the same"),
    ({"valid_start": "2024-03-01", "valid_end": "2024-07-01"}, None, "overlaps 20240615T000000.ecsv"),
    (
        {"valid_start": "2024-03-01"},
        "validend",
        "conflicts with 20240101T000000.ecsv: VALIDEND 2024-05-01T00:00:00 overlaps 20240301T000000.ecsv",
    ),
    ({"detector": "R22_S01"}, None, "the source is for DETECTOR 0, not 1 (R22_S01)"),
    ({"calib_type": "manual_defects"}, None, "the source is OBSTYPE 'defects', not manual_defects"),
    ({"detector": "R22_S99"}, None, "has no detector 'R22_S99'"),
    ({"instrument": "OtherCam"}, None, "no instrument 'OtherCam'"),
    ({}, "outside", "extends outside detector R22_S00"),
    ({}, "bad-provenance", "missing required key 'inputs'"),
]


@pytest.mark.parametrize(("kw", "twist", "fragment"), REFUSALS)
def test_each_refusal_leaves_the_tree_untouched(
    package: Path, tmp_path: Path, kw: dict, twist: str | None, fragment: str
) -> None:
    src = bare_defects(tmp_path)
    if twist == "yaml":
        yaml_twin = package / DEF / "2024-06-15T00:00:00.yaml"
        src = src.with_suffix(".yaml")
        src.write_text("metadata: {OBSTYPE: defects}\nx0: []\n")
        kw = {**kw, "calib_type": "defects"}
        assert not yaml_twin.exists()
    if twist == "validend":
        _with_validend(package)
    if twist == "outside":
        edit(src, "0 0 9 4004", "5000 0 9 4004")
    if twist == "bad-provenance":
        src.with_name(src.stem + ".provenance.yaml").write_text("provenance_version: '1.0'\nconfig: {}\n")
    before = snapshot(package)
    result = run(package, src, **kw)
    assert not result.ok and not result.written
    messages = " | ".join(p.message for p in result.report.errors)
    assert fragment in messages, messages
    assert snapshot(package) == before


@pytest.mark.parametrize(
    ("kw", "fragment"),
    [
        ({"valid_start": "2025-01-01", "valid_end": "2024-01-01"}, "is not after --valid-start"),
        ({"valid_start": "2025-01-01T00:00:00.5"}, "whole seconds"),
        ({"valid_start": "next week"}, "is not a date"),
        ({"calib_type": "defect"}, "unknown calibration type 'defect'"),
        ({"author": "Jane | Doe"}, "cannot contain '|'"),
        ({"reason": "  "}, "give a reason"),
    ],
)
def test_usage_errors_write_nothing(package: Path, tmp_path: Path, kw: dict, fragment: str) -> None:
    before = snapshot(package)
    with pytest.raises(ObscalError, match=fragment.replace("|", r"\|")):
        run(package, bare_defects(tmp_path), **kw)
    assert snapshot(package) == before


def test_cli_certify(package: Path, tmp_path: Path) -> None:
    src = bare_defects(tmp_path)
    args = ["certify", str(src), "--root", str(package), *shlex.split(
        "--instrument ExampleCam --type defects --detector 0 --valid-start 2025-01-01 --reason 'new campaign' "
        "--author 'Jane Doe'"
    )]  # fmt: skip
    ok = run_cli(*args)
    assert ok.returncode == 0, ok.stderr
    assert f"as {package / DEF / '20250101T000000.ecsv'}" in ok.stdout and "git add" in ok.stdout
    again = run_cli(*args)
    assert again.returncode == 1 and "certify never overwrites" in again.stderr
    assert "refused: nothing was written" in again.stderr and "Traceback" not in again.stderr
    usage = run_cli(*args[:-4], "--valid-end", "2020-01-01", "--reason", "x", "--author", "J")
    assert usage.returncode == 2 and "is not after --valid-start" in usage.stderr


# ------------------------------------------------------------------------------------------ deprecate


def test_deprecate_with_a_replacement_and_convert_leaves_it_out(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "obs_data/ExampleCam/camera", root / "obs_data/ExampleCam/camera")
    shutil.copytree(REPO / "obs_data" / DEF, root / "obs_data" / DEF)
    repo = git.Repo.init(root)
    commit(repo, "defects", "2025-01-01T00:00:00+00:00")
    package = root / "obs_data"
    fixed = run(package, bare_defects(tmp_path), valid_start="2024-06-15T00:00:01", reason="mask fixed")
    assert fixed.ok, fixed.report.problems
    bad = package / DEF / "20240615T000000.ecsv"
    written = deprecate(bad, "mask shifted by one pixel", superseded_by=fixed.target, author="Jane Doe", now=NOW)
    assert written == [bad.with_name("20240615T000000.deprecated.yaml")]
    assert written[0].read_text() == (
        "deprecation_version: '1.0'\ndate: '2026-01-05T09:00:00Z'\nauthor: Jane Doe\n"
        "reason: mask shifted by one pixel\nsuperseded_by: 20240615T000001.ecsv\n"
    )
    answer = Package.open(package).lookup("ExampleCam", "defects", "2024-06-15T00:00:00", detector=0)
    assert answer.found.path == fixed.target and answer.deprecated.path == bad

    refused = convert([package], tmp_path / "fits")
    assert not refused.ok and "deprecation record 20240615T000000.deprecated.yaml" in refused.report.errors[0].message
    commit(repo, "certify the fix, deprecate the shifted mask", "2025-01-02T00:00:00+00:00")
    result = convert([package], tmp_path / "fits")
    assert result.ok, result.report.problems
    assert any(s.endswith("20240615T000000.ecsv") and "left out of exports" in why for s, why in result.skipped)
    out = tmp_path / "fits/ExampleCam/defects/r22_s00"
    assert sorted(p.name for p in out.iterdir()) == ["20240101T000000.fits", "20240615T000001.fits"]
    with fits.open(out / "20240615T000001.fits") as hdul:
        head = hdul[1].header
        assert (head["VALIDSTART"], head["VALIDEND"]) == ("2024-06-15T00:00:01", "")
        assert head["OBSCAL VALID_ALSO"] == "20240615T000000.ecsv 2024-06-15T00:00:00/2024-06-15T00:00:01"


def test_deprecate_refusals(package: Path) -> None:
    first, later = package / DEF / "20240101T000000.ecsv", package / DEF / "20240615T000000.ecsv"
    other = package / "ExampleCam/defects/r22_s01/20240101T000000.ecsv"
    before = snapshot(package)
    for kwargs, fragment in [
        ({"path": first, "superseded_by": other}, "not in the directory of"),
        ({"path": first, "superseded_by": first}, "cannot replace itself"),
        ({"path": first, "superseded_by": package / DEF / "20300101T000000.ecsv"}, "does not exist"),
        ({"path": package / DEF / "nothing.ecsv"}, "no such calibration file"),
        ({"path": first, "reason": " "}, "give a reason"),
    ]:
        with pytest.raises(ObscalError, match=fragment):
            deprecate(**{"reason": "bad", "author": "J", **kwargs})
    assert snapshot(package) == before
    deprecate(later, "bad", author="J")
    with pytest.raises(ObscalError, match="already deprecated"):
        deprecate(later, "again", author="J")
    with pytest.raises(ObscalError, match="is itself deprecated"):
        deprecate(first, "bad", superseded_by=later, author="J")


def test_deprecating_a_replacement_re_points_the_earlier_record(package: Path, tmp_path: Path) -> None:
    first, later = package / DEF / "20240101T000000.ecsv", package / DEF / "20240615T000000.ecsv"
    newest = run(package, bare_defects(tmp_path)).target
    deprecate(first, "bad", superseded_by=later, author="J")
    with pytest.raises(ObscalError, match=r"is the replacement named by 20240101T000000\.deprecated\.yaml"):
        deprecate(later, "bad too", author="J")
    written = deprecate(later, "bad too", superseded_by=newest, author="J")
    assert [p.name for p in written] == ["20240615T000000.deprecated.yaml", "20240101T000000.deprecated.yaml"]
    assert "superseded_by: 20250101T000000.ecsv" in written[1].read_text()
    report = validate([package / DEF], profile="strict")
    assert report.ok, report.errors
    answer = Package.open(package).lookup("ExampleCam", "defects", "2024-02-01", detector=0)
    assert answer.found.path == newest


def test_cli_deprecate(package: Path) -> None:
    later = package / DEF / "20240615T000000.ecsv"
    ok = run_cli("deprecate", str(later), "--reason", "shifted mask", "--author", "Jane Doe")
    assert ok.returncode == 0 and "20240615T000000.deprecated.yaml" in ok.stdout
    again = run_cli("deprecate", str(later), "--reason", "shifted mask", "--author", "Jane Doe")
    assert again.returncode == 2 and "already deprecated" in again.stderr and "Traceback" not in again.stderr
