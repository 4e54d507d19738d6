"""Semantic checks: each is tripped by a broken copy of obs_data and reported at its place."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from obscal import Calibration, validate
from obscal.model.instants import parse_stem as parse_valid_start
from obscal.model.problems import Code

from .conftest import EXAMPLE_FILES, REPO, calibration_files, edit

EX = "ExampleCam"


def messages(report, severity: str = "errors") -> list[str]:
    return [f"{Path(p.file).name}:{p.line}: {p.message}" for p in getattr(report, severity)]


def only_error(report, fragment: str) -> None:
    errors = messages(report)
    assert errors, "expected an error"
    assert any(fragment in e for e in errors), errors


def test_obs_data_passes_strict() -> None:
    report = validate([REPO / "obs_data"])
    assert report.ok, messages(report)
    assert not report.warnings, messages(report, "warnings")
    assert report.files_checked == EXAMPLE_FILES


def test_variants_pass_compat_and_fail_strict(variants: Path) -> None:
    compat = validate([variants], profile="compat")
    assert compat.ok, messages(compat)
    assert compat.files_checked == len(calibration_files(variants))
    assert any("no valid camera description" in w.message for w in compat.warnings)
    strict = validate([variants], profile="strict")
    assert not strict.ok
    assert any("missing required key 'EDIT_HISTORY'" in e for e in messages(strict))


CASES = [
    # (file relative to ExampleCam, old text, new text, code, JSON pointer, where: the edited line,
    #  the line of the enclosing key, or none), then a short label.
    (
        "crosstalk/r22_s10/20240101T000000.ecsv",
        "{DETECTOR: 2}",
        "{DETECTOR: 3}",
        Code.PATH,
        "/metadata/DETECTOR",
        "edit",
        "DETECTOR 3 does not match directory 'r22_s10', w",
    ),
    (
        "crosstalk/r22_s10/20240101T000000.ecsv",
        "{INSTRUME: ExampleCam}",
        "{INSTRUME: OtherCam}",
        Code.PATH,
        "/metadata/INSTRUME",
        "edit",
        "INSTRUME 'OtherCam' does not match",
    ),
    (
        "crosstalk/r22_s10/20240101T000000.ecsv",
        "{OBSTYPE: CROSSTALK}",
        "{OBSTYPE: crosstalk}",
        Code.METADATA,
        "/metadata/OBSTYPE",
        "edit",
        "compares it case-sensitively",
    ),
    (
        "crosstalk/r22_s10/20240101T000000.ecsv",
        "{NAMP: 16}",
        "{NAMP: 8}",
        Code.CROSSTALK,
        "/metadata/NAMP",
        "edit",
        "NAMP is 8 but detector R22_S10 has 16",
    ),
    (
        "crosstalk/r22_s10/20240101T000000.ecsv",
        "[0.0,",
        "[0.5,",
        Code.CROSSTALK,
        "/rows/0",
        "edit",
        "non-zero diagonal",
    ),
    (
        "crosstalk/r22_s10/20240101T000000.ecsv",
        "{CROSSTALK_SHAPE: [16, 16]}",
        "{CROSSTALK_SHAPE: [16, 15]}",
        Code.CROSSTALK,
        "/metadata/CROSSTALK_SHAPE",
        "edit",
        "CROSSTALK_SHAPE [16, 15] disagrees",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{CALIBDATE: '2024-01-01T00:00:00'}",
        "{CALIBDATE: '2024-01-02T00:00:00'}",
        Code.VALIDITY,
        "/metadata/CALIBDATE",
        "edit",
        "does not match the validity start in the file na",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{DET_NAME: R22_S10}",
        "{DET_NAME: R22_S11}",
        Code.CAMERA,
        "/metadata/DET_NAME",
        "edit",
        "DET_NAME 'R22_S11' is not the name of detector 2",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{FILTER: null}",
        "{FILTER: ''}",
        Code.METADATA,
        "/metadata/FILTER",
        "edit",
        "FILTER must be null",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{CALIBCLS: lsst.ip.isr.defects.Defects}",
        "{CALIBCLS: lsst.ip.isr.Linearizer}",
        Code.SCHEMA,
        "/metadata/CALIBCLS",
        "edit",
        "CALIBCLS: 'lsst.ip.isr.Linearizer' is not one of",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{EDIT_HISTORY: ['2024-01-02T09:30:00Z |",
        "{EDIT_HISTORY: ['2024/01/02 |",
        Code.SCHEMA,
        "/metadata/EDIT_HISTORY/0",
        "edit",
        "EDIT_HISTORY/0",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{EDIT_HISTORY: ['2024-01-02T09:30:00Z |",
        "{EDIT_HISTORY: ['2999-01-02 |",
        Code.EDIT_HISTORY,
        "/metadata/EDIT_HISTORY/0",
        "edit",
        "dated in the future",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{defects_VERSION: 2.0}",
        "{defects_VERSION: 3.0}",
        Code.SCHEMA,
        "/metadata/defects_VERSION",
        "edit",
        "defects_VERSION 3.0 is not a known version of de",
    ),
    (
        "transmission_filter_detector/r22_s00/g_01/20240101T000000.ecsv",
        "{FILTER: g_01}",
        "{FILTER: r_03}",
        Code.PATH,
        "/metadata/FILTER",
        "edit",
        "FILTER 'r_03' does not match the filter director",
    ),
    (
        "transmission_optics/20240101T000000.ecsv",
        "{DETECTOR: null}",
        "{DETECTOR: 1}",
        Code.PATH,
        "/metadata/DETECTOR",
        "edit",
        "not a per-detector type",
    ),
    (
        "transmission_optics/20240101T000000.ecsv",
        "# - {CALIBCLS: lsst.ip.isr.IntermediateOpticsTransmissionCurve}\n",
        "",
        Code.SCHEMA,
        "/metadata",
        "container",
        "missing required key 'CALIBCLS'",
    ),
    (
        "transmission_optics/20240101T000000.ecsv",
        "unit: nm, datatype",
        "unit: s, datatype",
        Code.CURVE,
        "/columns/wavelength",
        "edit",
        "is not a length",
    ),
    (
        "transmission_optics/20240101T000000.ecsv",
        "\n305.0 ",
        "\n295.0 ",
        Code.CURVE,
        None,
        "edit",
        "wavelength must increase strictly",
    ),
    ("transmission_optics/20240101T000000.ecsv", "\n305.0 82.", "\n305.0 182.", Code.CURVE, None, "edit", "above 100%"),
    (
        "qe_curve/r22_s00/20240101T000000.ecsv",
        "unit: '%', datatype",
        "unit: '', datatype",
        Code.SCHEMA,
        "/columns/efficiency/unit",
        "edit",
        "efficiency/unit: '' should be '%'",
    ),
    (
        "qe_curve/r22_s00/20240101T000000.ecsv",
        "\nC00 ",
        "\nC99 ",
        Code.CURVE,
        "/columns/amp_name",
        "container",
        "are not amplifiers of R22_S00",
    ),
    (
        "linearizer/r22_s00/20240101T000000.ecsv",
        "\nC10 Spline",
        "\nC10 Spilne",
        Code.LINEARIZER,
        "/rows/0",
        "edit",
        "unknown linearity type 'Spilne'",
    ),
    (
        "linearizer/r22_s00/20240101T000000.ecsv",
        "\nC10 Spline",
        "\nC10 DoubleSpline",
        Code.LINEARIZER,
        "/rows/0",
        "edit",
        "DoubleSpline",
    ),
    (
        "linearizer/r22_s00/20240101T000000.ecsv",
        "\nC10 Spline",
        "\nC99 Spline",
        Code.LINEARIZER,
        None,
        None,
        "no entry for amplifier(s) C10",
    ),
    (
        "bfk/r22_s00/20240101T000000.yaml",
        "KERNEL_DX: 17",
        "KERNEL_DX: 15",
        Code.BFK,
        "/detKernels/R22_S00",
        "container",
        "KERNEL_DX x KERNEL_DY = 15x17",
    ),
    (
        "bfk/r22_s00/20240101T000000.yaml",
        "  R22_S00:",
        "  R22_S01:",
        Code.BFK,
        "/detKernels/R22_S01",
        "edit",
        "is not this file's detector",
    ),
    (
        "camera/20240101T000000.yaml",
        "    readoutOrder: 1\n",
        "    readoutOrder: 0\n",
        Code.CAMERA,
        "/detectors/0/amplifiers",
        "container",
        "readoutOrder must number",
    ),
    (
        "camera/20240101T000000.yaml",
        "  - name: C11\n",
        "  - name: C10\n",
        Code.CAMERA,
        "/detectors/0/amplifiers",
        "container",
        "amplifier 'C10' is listed twice",
    ),
    (
        "camera/20240101T000000.yaml",
        "    readoutOrder: 0\n",
        "    readoutOrder: 0\n    gain: 1.5\n",
        Code.SCHEMA,
        "/detectors/0/amplifiers/0",
        "container",
        "unexpected key(s) 'gain'",
    ),
    # Issue 10: values the LSST readers would take that no calibration can mean.
    (
        "crosstalk/r22_s10/20240101T000000.ecsv",
        "[0.0,",
        "[NaN,",
        Code.CROSSTALK,
        "/rows/0",
        "edit",
        "not finite numbers",
    ),
    (
        "bfk/r22_s00/20240101T000000.yaml",
        "KERNEL_DX: 17",
        "KERNEL_DX: 15",
        Code.BFK,
        "/metadata/KERNEL_DX",
        "edit",
        "needs a square kernel",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{CALIB_CREATION_DATE: '2024-01-02'}",
        "{CALIB_CREATION_DATE: '2024-02-30'}",
        Code.METADATA,
        "/metadata/CALIB_CREATION_DATE",
        "edit",
        "is not a real calendar date",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{CALIB_CREATION_TIME: '09:30:00'}",
        "{CALIB_CREATION_TIME: '25:30:00'}",
        Code.METADATA,
        "/metadata/CALIB_CREATION_TIME",
        "edit",
        "is not a real time of day",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "{EDIT_HISTORY: ['2024-01-02T09:30:00Z |",
        "{EDIT_HISTORY: ['2024-02-30T09:30:00Z |",
        Code.EDIT_HISTORY,
        "/metadata/EDIT_HISTORY/0",
        "edit",
        "which is not a real date",
    ),
    (
        "defects/r22_s10/20240101T000000.ecsv",
        "# - {CALIBDATE: '2024-01-01T00:00:00'}",
        "# - {CALIBDATE: '2024-01-01T00:00:00'}\n# - {VALIDEND: '2024-02-30T00:00:00'}",
        Code.VALIDITY,
        "/metadata/VALIDEND",
        "container",
        "the range cannot end there",
    ),
    (
        "transmission_optics/20240101T000000.ecsv",
        "\n305.0 ",
        "\ninf ",
        Code.CURVE,
        None,
        "edit",
        "is not a finite number",
    ),
]


@pytest.mark.parametrize(("rel", "old", "new", "code", "pointer", "at", "label"), CASES, ids=[c[6] for c in CASES])
def test_semantic_check_trips(
    package: Path, rel: str, old: str, new: str, code: Code, pointer: str | None, at: str | None, label: str
) -> None:
    """Each broken copy gives an error with this code, at this JSON pointer, on the line that was edited."""
    target = package / EX / rel
    before = target.read_text()
    edited_line = before[: before.index(old)].count("\n") + 1 + old.startswith("\n")
    edit(target, old, new)
    report = validate([package])
    found = [(p.code, p.pointer, p.line) for p in report.errors if p.file.endswith(rel)]
    if at == "edit":
        assert (code, pointer, edited_line) in found, (label, found)
    else:
        assert any(c is code and ptr == pointer and (line is not None) == (at is not None) for c, ptr, line in found), (
            label,
            found,
        )
    assert label in " ".join(p.message + (p.pointer or "") for p in report.errors)


def test_errors_carry_the_line_of_the_key(package: Path) -> None:
    target = package / EX / "crosstalk/r22_s10/20240101T000000.ecsv"
    edit(target, "{DETECTOR: 2}", "{DETECTOR: 3}")
    report = validate([target.parent.parent.parent.parent])
    [problem] = [p for p in report.errors if "DETECTOR 3" in p.message]
    line = target.read_text().splitlines()[problem.line - 1]
    assert "DETECTOR: 3" in line
    assert problem.pointer == "/metadata/DETECTOR"


def test_sensor_swap_is_checked_against_the_camera_valid_at_the_file_date(package: Path) -> None:
    new = package / EX / "defects/r22_s11/20250301T000000.ecsv"
    edit(new, "ITL-3800C-311", "ITL-3800C-202")  # the serial of the sensor that was removed
    only_error(validate([package]), "does not match the serial of R22_S11 valid at 2025-03-01")
    old = package / EX / "defects/r22_s11/20240101T000000.ecsv"
    assert "ITL-3800C-202" in old.read_text()  # still right for the earlier epoch


def test_same_instant_duplicates(package: Path) -> None:
    d = package / EX / "defects/r22_s00"
    (d / "2024-01-01T00:00:00.ecsv").write_text((d / "20240101T000000.ecsv").read_text())
    only_error(validate([package]), "2 files in one directory start at 2024-01-01T00:00:00")


def test_unknown_key_warns_with_closest_known(package: Path) -> None:
    target = package / EX / "defects/r22_s10/20240101T000000.ecsv"
    edit(target, "# - {DETECTOR: 2}", "# - {DETECTOR: 2}\n# - {CALIB_CREATON_DATE: x}")
    report = validate([package])
    assert report.ok
    assert any("did you mean 'CALIB_CREATION_DATE'" in w for w in messages(report, "warnings"))


def test_typoed_directory_names(package: Path) -> None:
    (package / EX / "crosstalk").rename(package / EX / "crosstlak")
    only_error(validate([package]), "cannot tell the calibration type")
    report = validate([package])
    assert any("did you mean 'crosstalk'" in (p.hint or "") for p in report.errors)
    (package / EX / "defects/r22_s00").rename(package / EX / "defects/r22_s99")
    report = validate([package])
    assert any("detector directory 'r22_s99' names no detector" in p.message for p in report.errors)


def test_missing_camera_is_an_error_in_strict_a_warning_in_compat(package: Path) -> None:
    for f in (package / EX / "camera").iterdir():
        f.unlink()
    strict = validate([package])
    assert [p.message for p in strict.errors if "camera description" in p.message]
    compat = validate([package], profile="compat")
    assert compat.ok
    assert len([w for w in compat.warnings if "no valid camera description" in w.message]) == 1


HOSTILE = {
    "empty": (b"", "the file is empty"),
    "binary": (b"\x00\x01\x02ECSV", "binary"),
    "latin1": ("metadata: {OBSTYPE: 'bfk', NAME: 'caf\xe9'}\n".encode("latin-1"), "not valid UTF-8"),
    "python-tag": (b"metadata: !!python/object/apply:os.system ['touch /tmp/obscal-pwned']\n", "is not allowed"),
    "python-name": (b"metadata: !!python/name:os.system\n", "is not allowed"),
    "duplicate-key": (b"metadata: {OBSTYPE: bfk}\nvalid: {}\nvalid: {}\n", "duplicate key 'valid'"),
    "billion-laughs": (
        b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        b"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
        "aliases",
    ),
    "truncated": (b"metadata:\n  OBSTYPE: bfk\n  INSTRUME: [ExampleCam\n", "invalid YAML"),
    "not-a-mapping": (b"- 1\n- 2\n", "top level of a calibration file must be a mapping"),
    "no-metadata": (b"detKernels: {}\n", "no 'metadata' mapping"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_get_one_clear_error(package: Path, name: str) -> None:
    content, fragment = HOSTILE[name]
    target = package / EX / "bfk/r22_s00/20240101T000000.yaml"
    target.write_bytes(content)
    start = time.perf_counter()
    report = validate([target])
    assert time.perf_counter() - start < 5
    errors = [p for p in report.errors if p.file.endswith("20240101T000000.yaml")]
    assert len(errors) == 1, messages(report)
    assert fragment in errors[0].message
    assert not Path("/tmp/obscal-pwned").exists()


def test_truncated_ecsv_is_one_error(package: Path) -> None:
    target = package / EX / "crosstalk/r22_s00/20240101T000000.ecsv"
    target.write_text(target.read_text()[:900])
    report = validate([target])
    assert len(report.errors) >= 1
    assert all(p.line for p in report.errors if p.file.endswith(".ecsv"))


@pytest.mark.parametrize(
    ("stem", "expected"),
    [
        ("19700101T000000", "1970-01-01T00:00:00"),
        ("20130115t0130", "2013-01-15T01:30:00"),
        ("2012-09-12T00:00:00", "2012-09-12T00:00:00"),
        ("20240101T000000Z", "2024-01-01T00:00:00"),
        ("2024-01-01T02:00:00+02:00", "2024-01-01T00:00:00"),
    ],
)
def test_file_name_dates(stem: str, expected: str) -> None:
    assert parse_valid_start(stem).isoformat() == expected


def test_readtext_dispatches_to_the_right_class() -> None:
    names = {
        "defects/r22_s00/20240101T000000.ecsv": "Defects",
        "crosstalk/r22_s00/20240101T000000.ecsv": "Crosstalk",
        "linearizer/r22_s00/20240101T000000.ecsv": "Linearizer",
        "bfk/r22_s00/20240101T000000.yaml": "BrighterFatterKernel",
        "transmission_sensor/r22_s00/20240101T000000.ecsv": "SensorTransmission",
        "qe_curve/r22_s00/20240101T000000.ecsv": "QECurve",
        "camera/20240101T000000.yaml": "CameraDescription",
    }
    for rel, cls in names.items():
        calib = Calibration.readText(REPO / "obs_data" / EX / rel)
        assert type(calib).__name__ == cls
        assert calib.getMetadata()["INSTRUME"] == EX


def test_json_report_lists_every_problem(package: Path) -> None:
    from io import StringIO

    from obscal.cli.report import write_json

    edit(package / EX / "crosstalk/r22_s10/20240101T000000.ecsv", "{NAMP: 16}", "{NAMP: 8}")
    edit(package / EX / "defects/r22_s10/20240101T000000.ecsv", "{DETECTOR: 2}", "{DETECTOR: 0}")
    out = StringIO()
    write_json(validate([package]).report, out)
    doc = json.loads(out.getvalue())
    assert not doc["ok"]
    files = {Path(e["file"]).parts[-3] for e in doc["errors"]}
    assert files == {"crosstalk", "defects"}


def test_single_file_uses_the_camera_on_disk(package: Path) -> None:
    """pre-commit passes only changed files: the camera must still be found and used."""
    target = package / EX / "defects/r22_s11/20250301T000000.ecsv"
    assert validate([target]).ok
    edit(target, "ITL-3800C-311", "ITL-3800C-202")
    only_error(validate([target]), "does not match the serial of R22_S11")


def test_propertylist_yaml_top_level_keys_keep_their_lines(variants: Path) -> None:
    target = variants / "testcam/bfk/d0/19700101T000000.yaml"
    edit(target, "gain: {}", "gain: 5")
    report = validate([target], profile="compat")
    [problem] = [p for p in report.errors if p.pointer == "/gain"]
    assert target.read_text().splitlines()[problem.line - 1] == "gain: 5"


def test_fractional_lookup_row_is_strict_error_and_compat_warning(variants: Path) -> None:
    """The LSST reader takes a fractional row and truncates it: refused in strict, a warning in compat."""
    target = variants / "testcam/linearizer/d1/1970-01-01T00:00:00.yaml"
    edit(target, "    linearityCoeffs:\n    - 1\n", "    linearityCoeffs:\n    - 1.5\n")
    for profile, kind in (("strict", "errors"), ("compat", "warnings")):
        found = [p for p in getattr(validate([target], profile=profile), kind) if "not a whole number" in p.message]
        assert found and found[0].code is Code.LINEARIZER and found[0].pointer == "/amplifiers/A1", profile
        assert "uses row 1" in (found[0].hint or "")
