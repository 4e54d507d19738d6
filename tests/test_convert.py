"""``convert`` and ``totext`` on real git repositories (GitPython on temporary directories)."""

from __future__ import annotations

import filecmp
import hashlib
import json
import shutil
import warnings
from pathlib import Path

import git
import pytest
from astropy.io import fits

from obscal import Calibration, ObscalError
from obscal.io.atomic import OUTPUT_MARK
from obscal.io.fits import fits_bytes
from obscal.io.safeyaml import dump_data as dump_yaml
from obscal.ops.convert import convert
from obscal.ops.totext import totext

from .conftest import REPO, commit, edit, run_cli

TYPES = ("camera", "defects", "crosstalk", "bfk", "transmission_optics")
DEFECTS = "obs_data/ExampleCam/defects/r22_s00"


def fits_count() -> int:
    """How many FITS files the fixture package converts to (every file but the camera descriptions)."""
    return sum(
        1
        for kind in TYPES
        if kind != "camera"
        for p in (REPO / "obs_data/ExampleCam" / kind).rglob("*")
        if p.suffix in (".ecsv", ".yaml")
    )


@pytest.fixture
def pkg(tmp_path: Path) -> git.Repo:
    """A package repository holding part of ExampleCam, one commit."""
    root = tmp_path / "pkg"
    for kind in TYPES:
        shutil.copytree(REPO / "obs_data/ExampleCam" / kind, root / "obs_data/ExampleCam" / kind)
    repo = git.Repo.init(root)
    commit(repo, "Add ExampleCam calibrations", "2024-03-01T10:00:00+00:00")
    return repo


def header(path: Path, hdu: int = 1) -> fits.Header:
    with fits.open(path) as hdul:
        return hdul[hdu].header.copy()


def wd(repo: git.Repo) -> Path:
    return Path(repo.working_tree_dir)


def test_convert_stamps_git_validity_and_edits(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    first = pkg.head.commit
    edit(root / "obs_data/ExampleCam/crosstalk/r22_s10/20240101T000000.ecsv", "| initial version", "| retuned version")
    second = commit(pkg, "Retune crosstalk of R22_S10", "2024-04-02T11:30:00+02:00")
    pkg.create_remote("origin", "https://builder:s3cret@example.org/obs/obscal-data.git")
    (root / "obscal.toml").write_text('package = "https://example.org/obs/obscal-data"\n')
    result = convert([root / "obs_data"], tmp_path / "out")
    assert result.ok, result.report.problems
    assert sorted(s.rsplit("/", 2)[-2] for s, _ in result.skipped) == ["camera", "camera"]
    out = tmp_path / "out/ExampleCam"
    early = header(out / "defects/r22_s00/20240101T000000.fits")
    late = header(out / "defects/r22_s00/20240615T000000.fits")
    assert (early["VALIDSTART"], early["VALIDEND"]) == ("2024-01-01T00:00:00", "2024-06-15T00:00:00")
    assert (late["VALIDSTART"], late["VALIDEND"]) == ("2024-06-15T00:00:00", "")
    assert early["OBSCAL GIT_COMMIT"] == second.hexsha
    assert early["OBSCAL GIT_FILE_COMMIT"] == first.hexsha  # last commit that changed *this* file
    assert early["OBSCAL GIT_DIRTY"] is False
    assert early["OBSCAL PACKAGE"] == "https://example.org/obs/obscal-data"  # declared: never the clone's remote
    source = root / DEFECTS / "20240101T000000.ecsv"
    assert early["OBSCAL SOURCE"] == f"{DEFECTS}/20240101T000000.ecsv"
    assert early["OBSCAL SOURCE_SHA256"] == hashlib.sha256(source.read_bytes()).hexdigest()
    history = " ".join(str(h) for h in early["HISTORY"])
    assert "obscal example generator" in history and "Add ExampleCam calibrations" in history
    retuned = header(out / "crosstalk/r22_s10/20240101T000000.fits")
    assert retuned["OBSCAL GIT_FILE_COMMIT"] == second.hexsha
    assert "Retune crosstalk of R22_S10" in " ".join(str(h) for h in retuned["HISTORY"])
    assert header(out / "defects/r22_s00/20240101T000000.fits", 0)["DATE"] == "2024-04-02T09:30:00"  # UTC


def test_two_clones_give_identical_bytes(pkg: git.Repo, tmp_path: Path) -> None:
    """The bytes depend on the commit only: not on where the clone is, nor on its remote (HTTPS or SSH)."""
    outs = []
    remotes = {"a": "https://github.com/example/obs-data.git", "b": "git@github.com:example/obs-data.git"}
    for name in ("a", "b"):
        clone = git.Repo.clone_from(wd(pkg), tmp_path / f"clone-{name}")
        clone.remotes.origin.set_url(remotes[name])
        result = convert([wd(clone) / "obs_data"], tmp_path / f"out-{name}")
        assert result.ok
        outs.append(tmp_path / f"out-{name}")
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*.fits"))
    assert len(files) == fits_count()
    _, mismatch, errors = filecmp.cmpfiles(outs[0], outs[1], [str(f) for f in files], shallow=False)
    assert (mismatch, errors) == ([], [])


def test_uncommitted_changes_are_refused_unless_allowed(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    edit(root / DEFECTS / "20240615T000000.ecsv", "| obscal example generator |", "| someone |")
    result = convert([root / "obs_data"], tmp_path / "out")
    assert not result.ok and not (tmp_path / "out").exists()
    (problem,) = result.report.errors
    assert problem.code == "dirty" and problem.file.endswith("r22_s00/20240615T000000.ecsv")
    assert "commit" in problem.hint and "--allow-dirty" in problem.hint
    result = convert([root / "obs_data"], tmp_path / "out", allow_dirty=True)
    assert result.ok
    stamped = header(tmp_path / "out/ExampleCam/defects/r22_s00/20240615T000000.fits")
    assert stamped["OBSCAL GIT_DIRTY"] is True
    assert header(tmp_path / "out/ExampleCam/defects/r22_s00/20240101T000000.fits")["OBSCAL GIT_DIRTY"] is False


def test_untracked_files_count_as_uncommitted(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    shutil.copy(root / DEFECTS / "20240615T000000.ecsv", root / DEFECTS / "20240701T000000.ecsv")
    edit(root / DEFECTS / "20240701T000000.ecsv", "2024-06-15T00:00:00", "2024-07-01T00:00:00", count=2)
    result = convert([root / DEFECTS], tmp_path / "out")
    assert [p.file.rsplit("/", 1)[1] for p in result.report.errors] == ["20240701T000000.ecsv"]


def test_rev_converts_a_past_revision_from_git_objects(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    old = pkg.head.commit
    pkg.create_tag("v1.0")
    edit(root / DEFECTS / "20240101T000000.ecsv", "| defects from", "| widened defects from")
    commit(pkg, "Widen defects", "2024-05-01T00:00:00+00:00")
    (root / DEFECTS / "20240615T000000.ecsv").unlink()  # not even in the working tree any more
    result = convert([root / DEFECTS], tmp_path / "out", rev="v1.0")
    assert result.ok, result.report.problems
    stamped = header(tmp_path / "out/ExampleCam/defects/r22_s00/20240615T000000.fits")
    assert stamped["OBSCAL GIT_COMMIT"] == old.hexsha
    back = Calibration.readFits(tmp_path / "out/ExampleCam/defects/r22_s00/20240101T000000.fits")
    assert all("widened" not in e for e in back.getMetadata()["EDIT_HISTORY"])
    with pytest.raises(ObscalError, match="unknown git revision"):
        convert([root / DEFECTS], tmp_path / "out2", rev="no-such-tag")


def test_rev_reports_problems_against_the_revision(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    edit(root / DEFECTS / "20240101T000000.ecsv", "{DETECTOR: 0}", "{DETECTOR: 3}")
    commit(pkg, "Break a detector id", "2024-05-01T00:00:00+00:00")
    result = convert([root / DEFECTS], tmp_path / "out", rev="HEAD")
    assert not result.ok
    assert any(p.file == f"HEAD:{DEFECTS}/20240101T000000.ecsv" for p in result.report.errors)


def test_invalid_text_is_refused_with_the_validator_messages(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    edit(root / "obs_data/ExampleCam/crosstalk/r22_s10/20240101T000000.ecsv", "{NAMP: 16}", "{NAMP: 8}")
    commit(pkg, "Break NAMP", "2024-05-01T00:00:00+00:00")
    result = convert([root / "obs_data"], tmp_path / "out")
    assert not result.ok and not (tmp_path / "out").exists()
    assert any("NAMP is 8" in p.message and p.line for p in result.report.errors)


def test_nothing_is_written_when_one_file_cannot_be_converted(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    edit(root / DEFECTS / "20240615T000000.ecsv", "# - {OBSTYPE: defects}", "# - {OBSTYPE: defects}\n# - {NAXIS: 2}")
    commit(pkg, "A reserved FITS keyword in the metadata", "2024-05-01T00:00:00+00:00")
    (tmp_path / "out").mkdir()
    result = convert([root / "obs_data"], tmp_path / "out", profile="compat")
    assert not result.ok
    (problem,) = result.report.errors
    assert "'NAXIS'" in problem.message and problem.file.endswith("20240615T000000.ecsv")
    assert list((tmp_path / "out").iterdir()) == []  # no partial tree, no staging left behind


def test_totext_gives_back_the_package_byte_for_byte(pkg: git.Repo, tmp_path: Path) -> None:
    assert convert([wd(pkg) / "obs_data"], tmp_path / "fits").ok
    result = totext([tmp_path / "fits"], tmp_path / "text")
    assert result.ok, result.report.problems
    source = wd(pkg) / "obs_data"
    texts = sorted(
        p.relative_to(tmp_path / "text")
        for p in (tmp_path / "text").rglob("*")
        if p.is_file() and p.name != OUTPUT_MARK
    )
    calibs = [p for p in texts if not p.name.endswith(".stamps.yaml")]
    assert calibs == sorted(p.relative_to(source) for p in source.rglob("*.*") if "camera" not in p.parts)
    for rel in calibs:
        assert (tmp_path / "text" / rel).read_bytes() == (source / rel).read_bytes(), rel
    stamps = (tmp_path / "text/ExampleCam/defects/r22_s00/20240101T000000.stamps.yaml").read_text()
    assert pkg.head.commit.hexsha in stamps and "VALIDEND: '2024-06-15T00:00:00'" in stamps
    assert run_cli("validate", str(tmp_path / "text"), "--profile", "compat").returncode == 0


PROVENANCE = {
    "provenance_version": "1.0",
    "producer": {"pipeline": "cp_pipe", "version": "w.2024.10", "task": "cpDefects.yaml"},
    "inputs": [
        {
            "dataset_type": "postISRCCD",
            "data_id": {"instrument": "ExampleCam", "exposure": 2024010100012 + i, "detector": 0},
            "weight": 0.25,
        }
        for i in range(4)
    ],
    "config": {"nSigmaBright": 4.8, "badOnAndOffPixelColumnThreshold": 50},
    "statistics": {"n_defects": 6},
}


def test_provenance_sidecar_is_carried_into_fits_and_back(pkg: git.Repo, tmp_path: Path) -> None:
    sidecar = wd(pkg) / DEFECTS / "20240101T000000.provenance.yaml"
    sidecar.write_text(dump_yaml(PROVENANCE))
    commit(pkg, "Provenance of the R22_S00 defects", "2024-05-01T00:00:00+00:00")
    assert convert([wd(pkg) / DEFECTS], tmp_path / "fits").ok
    fits_path = tmp_path / "fits/ExampleCam/defects/r22_s00/20240101T000000.fits"
    table = header(fits_path)
    assert table["OBSCAL PROV_SHA256"] == hashlib.sha256(sidecar.read_bytes()).hexdigest()
    assert table["OBSCAL PROV_SOURCE"] == f"{DEFECTS}/20240101T000000.provenance.yaml"
    assert '"exposure":2024010100013' in header(fits_path, 0)["OBSCAL PROVENANCE"]
    assert totext([fits_path], tmp_path / "text").ok
    back = tmp_path / "text/ExampleCam/defects/r22_s00/20240101T000000.provenance.yaml"
    assert back.read_bytes() == sidecar.read_bytes()


def test_provenance_sidecar_is_validated(pkg: git.Repo) -> None:
    sidecar = wd(pkg) / DEFECTS / "20240101T000000.provenance.yaml"
    broken = dict(PROVENANCE, inputs=[{"data_id": {}}], config="none")
    sidecar.write_text(dump_yaml(broken))
    orphan = wd(pkg) / DEFECTS / "20230101T000000.provenance.yaml"
    orphan.write_text(dump_yaml(PROVENANCE))
    result = run_cli("validate", str(wd(pkg) / DEFECTS), "--format", "json")
    assert result.returncode == 1

    report = json.loads(result.stdout)
    problems = report["errors"] + report["warnings"]
    mine = [p for p in problems if p["file"].endswith("20240101T000000.provenance.yaml")]
    assert {p["pointer"] for p in mine} >= {"/config", "/inputs/0/data_id"}
    assert all(p["line"] for p in mine)
    assert any(p["file"].endswith("20230101T000000.provenance.yaml") and "no calibration" in p["message"]
               for p in problems)  # fmt: skip


def test_totext_refuses_a_recorded_path_that_leaves_the_output(tmp_path: Path) -> None:
    from obscal.model.stamps import Stamps

    calib = Calibration.readText(REPO / DEFECTS / "20240101T000000.ecsv")
    stamps = Stamps("2024-01-01T00:00:00", "", "x", "../../evil/defects/d/20240101T000000.ecsv", "0" * 64, "2024")
    bad = tmp_path / "in/bad.fits"
    bad.parent.mkdir()
    bad.write_bytes(fits_bytes(calib, stamps, "20240101T000000.ecsv"))
    result = totext([bad], tmp_path / "out")
    assert not result.ok and "not a safe relative path" in result.report.errors[0].message
    assert not (tmp_path / "evil").exists() and not list((tmp_path / "out").rglob("*.ecsv"))


def test_totext_places_files_from_other_software_by_their_metadata(tmp_path: Path) -> None:
    from astropy.table import Table

    meta = {"OBSTYPE": "defects", "INSTRUME": "LSSTCam", "DETECTOR": 94, "DET_NAME": "R22_S11",
            "CALIBDATE": "2024-05-01T00:00:00", "CALIBCLS": "lsst.ip.isr.defects.Defects"}  # fmt: skip
    table = Table({"x0": [1], "y0": [2], "width": [3], "height": [4]}, meta=meta)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)  # astropy: "a HIERARCH card will be created"
        fits.HDUList([fits.PrimaryHDU(), fits.table_to_hdu(table)]).writeto(tmp_path / "from_pipeline.fits")
    result = totext([tmp_path / "from_pipeline.fits"], tmp_path / "out")
    assert result.ok, result.report.problems
    written = tmp_path / "out/LSSTCam/defects/r22_s11/20240501T000000.ecsv"
    assert written.is_file() and "{DETECTOR: 94}" in written.read_text()


def test_cli_convert_and_totext(pkg: git.Repo, tmp_path: Path) -> None:
    root = wd(pkg)
    ok = run_cli("convert", "--out", str(tmp_path / "fits"), cwd=root)
    assert ok.returncode == 0, ok.stderr
    assert f"converted {fits_count()} file(s)" in ok.stdout and "camera" in ok.stderr and "skipped" in ok.stderr
    back = run_cli("totext", str(tmp_path / "fits"), "--out", str(tmp_path / "text"))
    assert back.returncode == 0 and f"wrote {2 * fits_count()} file(s)" in back.stdout  # each with its stamps
    edit(root / DEFECTS / "20240101T000000.ecsv", "{DETECTOR: 0}", "{DETECTOR: 3}")
    refused = run_cli("convert", "--out", str(tmp_path / "fits2"), cwd=root)
    assert refused.returncode == 1 and "nothing written" in refused.stderr
    assert "Traceback" not in refused.stdout + refused.stderr
    usage = run_cli("convert", "--out", str(tmp_path / "x"), "--rev", "nope", cwd=root)
    assert usage.returncode == 2 and "unknown git revision 'nope'" in usage.stderr
    damaged = tmp_path / "fits/ExampleCam/defects/r22_s00/20240101T000000.fits"
    data = bytearray(damaged.read_bytes())
    data[-50] ^= 1
    damaged.write_bytes(bytes(data))
    bad = run_cli("totext", str(damaged), "--out", str(tmp_path / "t2"))
    assert bad.returncode == 1 and "changed or damaged" in bad.stderr and "Traceback" not in bad.stderr


def test_fits_is_byte_stable_across_runs_in_one_clone(pkg: git.Repo, tmp_path: Path) -> None:
    convert([wd(pkg) / DEFECTS], tmp_path / "a")
    convert([wd(pkg) / DEFECTS], tmp_path / "b")
    for path in (tmp_path / "a").rglob("*.fits"):
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()
