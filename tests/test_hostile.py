"""Hostile input: nothing read may execute code, hang, exhaust memory, abort the run, or come back out as a tag.

Each case was found by trying obscal adversarially (issue 10); each now gets a clear problem naming the
file (and the place in it), the other files are still checked, and refusals leave every tree unchanged.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from astropy.io import fits

from obscal import Calibration, validate
from obscal.io.fits import fits_bytes
from obscal.model.problems import Code
from obscal.ops.totext import totext

from .conftest import REPO, run_cli

EX = "ExampleCam"


def _only(result, name: str) -> list:
    return [p for p in result.errors if p.file.endswith(name)]


# ------------------------------------------------------------------------------------------ what is read


def test_fifo_is_refused_without_blocking(package: Path) -> None:
    fifo = package / EX / "defects/r22_s00/20240301T000000.ecsv"
    os.mkfifo(fifo)
    ran = subprocess.run(
        [sys.executable, "-m", "obscal", "validate", str(package)], capture_output=True, text=True, timeout=60
    )
    assert ran.returncode == 1
    assert "20240301T000000.ecsv: error: the file is a FIFO (named pipe), not a regular file" in ran.stdout


def test_link_to_dev_zero_is_refused_without_reading(package: Path) -> None:
    link = package / EX / "defects/r22_s01/20240301T000000.ecsv"
    link.symlink_to("/dev/zero")
    result = validate([package])
    [problem] = _only(result, "r22_s01/20240301T000000.ecsv")
    assert problem.code is Code.ACCESS and "outside the package" in problem.message
    # Read directly (no package root to compare with), the bounded reader refuses the device.
    from obscal.io.text import read_bytes
    from obscal.model.problems import ParseError

    with pytest.raises(ParseError, match="character device"):
        read_bytes(link)


def test_symlink_loop_and_escape_and_linked_directory(package: Path, tmp_path: Path) -> None:
    d = package / EX / "defects/r22_s10"
    (d / "20240301T000000.ecsv").symlink_to("20240302T000000.ecsv")
    (d / "20240302T000000.ecsv").symlink_to("20240301T000000.ecsv")
    outside = tmp_path / "elsewhere.ecsv"
    shutil.copy(d / "20240101T000000.ecsv", outside)
    (package / EX / "defects/r22_s11/20240401T000000.ecsv").symlink_to(outside)
    (package / EX / "defects/r22_s99").symlink_to(package / EX / "defects/r22_s00")
    result = validate([package])
    loop = _only(result, "r22_s10/20240301T000000.ecsv")
    assert loop and loop[0].code is Code.ACCESS and "loop" in loop[0].message
    escape = _only(result, "r22_s11/20240401T000000.ecsv")
    assert escape and "outside the package" in escape[0].message
    linked = _only(result, "defects/r22_s99")
    assert linked and "not followed" in linked[0].message
    assert not result.report.internal_errors


def test_unreadable_directory_is_an_error_not_a_silent_skip(package: Path) -> None:
    locked = package / EX / "defects/r22_s00"
    locked.chmod(0)
    try:
        # As root permissions are bypassed: drop that capability for the process, as for any other user.
        ran = subprocess.run(
            ["setpriv", "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m", "obscal", "validate",
             str(package)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
    finally:
        locked.chmod(0o755)
    assert ran.returncode == 1, ran.stdout + ran.stderr
    assert "r22_s00: error: cannot read the directory: Permission denied" in ran.stdout


@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("digits", lambda t: t.replace("KERNEL_DX: 17", "KERNEL_DX: " + "9" * 5000), "a number of 5000 digits"),
        ("yaml-depth", lambda t: t + "extra: " + "[" * 200 + "]" * 200 + "\n", "nesting deeper than 64"),
        ("long-line", lambda t: t + "extra: '" + "x" * (9 * 1024 * 1024) + "'\n", "bytes long (at most"),
        ("non-string-key", lambda t: t.replace("  KERNEL_DX: 17", "  [1, 2]: 17"), "mapping key"),
    ],
)
def test_limits_on_yaml(package: Path, name: str, content, fragment: str) -> None:
    target = package / EX / "bfk/r22_s00/20240101T000000.yaml"
    target.write_text(content(target.read_text()))
    result = validate([package])
    problems = _only(result, "bfk/r22_s00/20240101T000000.yaml")
    assert problems and any(fragment in p.message for p in problems), [p.message for p in problems]
    assert problems[0].line is not None or name == "yaml-depth"
    assert not result.report.internal_errors
    assert all(len(p.message) <= 1000 for p in result.problems)


def test_json_nested_100000_deep(package: Path) -> None:
    target = package / EX / "crosstalk/r22_s00/20240301T000000.json"
    target.write_text('{"metadata": {}, "coeffs": ' + "[" * 100_000 + "]" * 100_000 + "}")
    result = validate([package])
    assert any("nesting deeper than 64" in p.message for p in _only(result, "20240301T000000.json"))
    assert not result.report.internal_errors


def test_a_million_columns_is_refused_quickly(package: Path) -> None:
    target = package / EX / "defects/r22_s00/20240301T000000.ecsv"
    header = "# %ECSV 1.0\n# ---\n# datatype:\n" + "".join(
        f"# - {{name: c{i}, datatype: int8}}\n" for i in range(100_000)
    )
    target.write_text(header + "# schema: astropy-2.0\n" + " ".join(f"c{i}" for i in range(100_000)) + "\n")
    result = validate([target])
    [problem] = _only(result, "20240301T000000.ecsv")
    assert "declares 100000 columns (at most 1000)" in problem.message and problem.line == 3


@pytest.mark.parametrize(
    ("decl", "cell", "fragment"),
    [
        ("{name: v, datatype: float32}", "1e39", "overflows float32"),
        ("{name: v, datatype: string, subtype: 'float64[3]'}", '"[1,2]"', "shape [2] is not the declared [3]"),
        ("{name: v, datatype: string, subtype: json}", '"{not json"', "is not valid JSON"),
    ],
)
def test_ecsv_cells_that_contradict_their_declaration(tmp_path: Path, decl: str, cell: str, fragment: str) -> None:
    from obscal.io import ecsv
    from obscal.model.problems import ParseError

    text = f"# %ECSV 1.0\n# ---\n# datatype:\n# - {decl}\n# schema: astropy-2.0\nv\n{cell}\n"
    with pytest.raises(ParseError, match=re.escape(fragment)) as caught:
        ecsv.read(text)
    assert caught.value.line == 7


def test_every_hostile_file_at_once_is_reported_and_the_run_goes_on(package: Path, tmp_path: Path) -> None:
    d = package / EX / "defects"
    os.mkfifo(d / "r22_s00/20240301T000000.ecsv")
    (d / "r22_s01/20240301T000000.ecsv").symlink_to("/dev/zero")
    (d / "r22_s10/20240301T000000.ecsv").symlink_to("20240301T000000.ecsv")
    bfk = package / EX / "bfk/r22_s01/20240101T000000.yaml"
    bfk.write_text(bfk.read_text().replace("KERNEL_DX: 17", "KERNEL_DX: " + "9" * 5000))
    (package / EX / "crosstalk/r22_s00/20240301T000000.json").write_text('{"a": ' + "[" * 5000 + "]" * 5000 + "}")
    names = sorted(p.relative_to(package).as_posix() for p in package.rglob("*"))
    ran = subprocess.run(
        [sys.executable, "-m", "obscal", "validate", "--format", "json", str(package)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 1, ran.stderr
    report = json.loads(ran.stdout)
    files = {Path(e["file"]).name for e in report["errors"]}
    assert {"20240301T000000.ecsv", "20240101T000000.yaml", "20240301T000000.json"} <= files
    assert not [e for e in report["errors"] if e["code"] == "internal"]
    assert report["files_checked"] > 60  # every other file was checked too
    assert sorted(p.relative_to(package).as_posix() for p in package.rglob("*")) == names


# ------------------------------------------------------------------------------------------ what is written


def _crafted_fits(tmp_path: Path, source: str, change) -> Path:
    calib = Calibration.readText(REPO / "obs_data" / EX / source)
    hdul = fits.open(io.BytesIO(fits_bytes(calib, None, Path(source).name)))
    change(hdul)
    for hdu in hdul:
        hdu.add_checksum()  # the checksums are valid: the attack is in the content
    out = tmp_path / "crafted.fits"
    hdul.writeto(out, overwrite=True)
    return out


def _record(hdul) -> dict:
    return json.loads(hdul[0].header["OBSCAL TEXTFORM"])


def _set_record(hdul, record: dict) -> None:
    hdul[0].header["OBSCAL TEXTFORM"] = json.dumps(record, separators=(",", ":"))


PYTHON_TAG = "tag:yaml.org,2002:python/object/apply:os.system"


def _tag_in_serialized_columns(hdul) -> None:
    record = _record(hdul)
    first = next(iter(record["serialized_columns"]))
    record["serialized_columns"][first]["unit"] = {"$tag": PYTHON_TAG, "$value": {"args": ["touch /tmp/pwned"]}}
    _set_record(hdul, record)


def _tag_in_skeleton(hdul) -> None:
    record = _record(hdul)
    record["skeleton"]["gain"] = {"$tag": PYTHON_TAG, "$value": {"args": ["touch /tmp/pwned"]}}
    _set_record(hdul, record)


def _tag_in_provenance(hdul) -> None:
    hdul[0].header["OBSCAL PROVENANCE"] = json.dumps({"$tag": PYTHON_TAG, "$value": {"args": ["id"]}})


def _tag_in_metadata(hdul) -> None:
    record = _record(hdul)
    record["codes"]["INSTRUME"] = "json"
    _set_record(hdul, record)
    for hdu in hdul[1:]:
        hdu.header["INSTRUME"] = json.dumps({"$tag": PYTHON_TAG, "$value": {"args": ["id"]}})


def _bad_record_field(hdul) -> None:
    record = _record(hdul)
    record["propertylist_types"] = {"OBSTYPE": "!!python/name:os.system"}
    _set_record(hdul, record)


def _deep_record(hdul) -> None:
    hdul[0].header["OBSCAL TEXTFORM"] = "[" * 20000 + "]" * 20000


CRAFTED = {
    "tag in serialized columns": ("qe_curve/r22_s00/20240101T000000.ecsv", _tag_in_serialized_columns, "data-only"),
    "tag in YAML skeleton": ("bfk/r22_s00/20240101T000000.yaml", _tag_in_skeleton, "not a data-only tag"),
    "tag in provenance": ("defects/r22_s00/20240101T000000.ecsv", _tag_in_provenance, "OBSCAL PROVENANCE"),
    "tag in a metadata card": ("defects/r22_s00/20240101T000000.ecsv", _tag_in_metadata, "metadata INSTRUME"),
    "record field of the wrong kind": ("bfk/r22_s00/20240101T000000.yaml", _bad_record_field, "propertylist_types"),
    "record nested 20000 deep": ("defects/r22_s00/20240101T000000.ecsv", _deep_record, "nested deeper"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_crafted_fits_records_are_refused_and_nothing_is_written(tmp_path: Path, case: str) -> None:
    source, change, fragment = CRAFTED[case]
    crafted = _crafted_fits(tmp_path, source, change)
    out = tmp_path / "out"
    result = totext([crafted], out)
    assert not result.ok
    [problem] = result.report.errors
    assert problem.file.endswith("crafted.fits") and fragment in problem.message, problem.message
    assert not result.report.internal_errors
    assert not out.exists() or not any(out.rglob("*"))
    ran = run_cli("totext", str(crafted), "--out", str(tmp_path / "out2"))
    assert ran.returncode == 1 and "python" not in ran.stdout.lower().replace(PYTHON_TAG.lower(), "")


def test_writers_never_emit_a_tag_that_is_not_data_only() -> None:
    from obscal.io import ecsv, safeyaml
    from obscal.model.table import Column, Table
    from obscal.model.tagged import TaggedMapping

    evil = TaggedMapping.with_tag("!!python/object/apply:os.system", {"args": ["id"]})
    with pytest.raises(Exception, match="refusing to write the YAML tag"):
        safeyaml.dump_data({"metadata": {}, "x": evil})
    import numpy as np

    table = Table([Column("a", "float64", np.array([1.0]))], {}, serialized_columns={"a": {"unit": evil}})
    with pytest.raises(ValueError, match="refusing to write the YAML tag"):
        ecsv.write(table)


def test_found_by_fuzzing_an_impossible_date_and_a_shape_that_is_no_number(package: Path) -> None:
    """Two inputs tools/fuzz.py found: an unquoted impossible YAML date, and a subtype shape of 1e400."""
    bfk = package / EX / "bfk/r22_s00/20240101T000000.yaml"
    bfk.write_text(bfk.read_text().replace("KERNEL_DX: 17", "KERNEL_DX: 2024-02-30"))
    crosstalk = package / EX / "crosstalk/r22_s00/20240101T000000.ecsv"
    text = crosstalk.read_text()
    crosstalk.write_text(text.replace("subtype: 'float64[256]'", "subtype: 'float64[1e400]'", 1))
    result = validate([bfk, crosstalk])
    assert not result.report.internal_errors
    [date] = _only(result, "bfk/r22_s00/20240101T000000.yaml")
    assert "'2024-02-30' is not a valid value" in date.message and date.line is not None
    [shape] = _only(result, "crosstalk/r22_s00/20240101T000000.ecsv")
    assert "unsupported subtype 'float64[1e400]'" in shape.message and shape.line is not None


def test_provenance_linked_from_outside_the_package_is_refused_and_not_stamped(package: Path, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.provenance.yaml"
    outside.write_text("provenance_version: '1.0'\ninputs: []\nconfig: {}\n")
    (package / EX / "defects/r22_s00/20240101T000000.provenance.yaml").symlink_to(outside)
    result = validate([package])
    [problem] = _only(result, "20240101T000000.provenance.yaml")
    assert problem.code is Code.ACCESS and "outside the package" in problem.message


def test_found_by_fuzzing_a_propertylist_type_that_is_a_list(variants: Path) -> None:
    target = variants / "testcam/crosstalk/d1/1970-01-01T00:00:00.yaml"
    text = target.read_text()
    assert "  - String\n" in text
    target.write_text(text.replace("  - String\n", "  - [String]\n", 1))
    result = validate([target], profile="compat")
    assert not result.report.internal_errors
    assert any("unknown PropertyList type" in p.message and p.line for p in result.errors)


def test_malformed_geometry_tag_and_infinite_camera_box(package: Path, variants: Path) -> None:
    linearizer = variants / "testcam/linearizer/d1/1970-01-01T00:00:00.yaml"
    text = linearizer.read_text()
    start = text.index("linearityBBox: !!python/object/apply:lsst.geom.Box2I")
    end = text.index("linearityCoeffs", start)
    linearizer.write_text(
        text[:start] + "linearityBBox: !!python/object/apply:lsst.geom.Box2I {args: 5}\n    " + text[end:]
    )
    result = validate([linearizer], profile="compat")
    [problem] = result.errors
    assert "a Box2I must hold two points" in problem.message and problem.line is not None
    camera = package / EX / "camera/20240101T000000.yaml"
    camera.write_text(camera.read_text().replace("width: ", "width: .inf #", 1))
    result = validate([package / EX / "camera", package / EX / "defects/r22_s00"])
    assert not result.report.internal_errors
    assert any(p.file.endswith("camera/20240101T000000.yaml") for p in result.errors)


@pytest.mark.parametrize(("old", "new"), [("# - {DETECTOR: 2}", "# - {null: 2}"), ("# - {DETECTOR: 2}", "# - {7: 2}")])
def test_metadata_key_that_is_not_a_name(package: Path, old: str, new: str) -> None:
    """Found again by hypothesis: a null (or numeric) metadata key reached the unknown-key check."""
    target = package / EX / "defects/r22_s10/20240101T000000.ecsv"
    target.write_text(target.read_text().replace(old, new))
    result = validate([target], profile="compat")
    assert not result.report.internal_errors
    [problem] = _only(result, "20240101T000000.ecsv")
    assert "is not a name" in problem.message and problem.line is not None
