"""The command line's contract: exit 0 ok, 1 data problems, 2 usage, 3 a bug (one line; --traceback shows it).

Each case here gave a Python traceback before the restructure.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from obscal.model.instants import parse_instant
from obscal.model.problems import Code

from .conftest import REPO, run_cli

EX = "ExampleCam"


def _json_cell_file(root: Path) -> Path:
    path = root / EX / "defects/r22_s00/20240101T000000.ecsv"
    text = path.read_text().replace("# - {name: height, datatype: int64}", "# - {name: height, datatype: int64}\n"
                                    "# - {name: note, datatype: string, subtype: json}")  # fmt: skip
    lines = text.splitlines()
    header_end = next(i for i, line in enumerate(lines) if not line.startswith("#"))
    lines[header_end] += " note"
    lines[header_end + 1] += ' "{not json"'
    for i in range(header_end + 2, len(lines)):
        lines[i] += ' "[1]"'
    path.write_text("\n".join(lines) + "\n")
    return path


def test_invalid_json_cell_is_a_message_with_its_line(package: Path) -> None:
    path = _json_cell_file(package)
    ran = run_cli("validate", str(path))
    assert ran.returncode == 1, ran.stderr
    row_line = next(i for i, line in enumerate(path.read_text().splitlines(), 1) if "{not json" in line)
    assert f"20240101T000000.ecsv:{row_line}: error:" in ran.stdout
    assert "is not valid JSON" in ran.stdout and "(parse)" in ran.stdout
    assert "Traceback" not in ran.stdout + ran.stderr


def test_out_naming_an_existing_file_is_a_usage_error(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x")
    ran = run_cli("convert", "obs_data/ExampleCam/defects", "--out", str(target))
    assert ran.returncode == 2
    assert "is a file, not a directory" in ran.stderr
    assert target.read_text() == "x"


@pytest.mark.parametrize(
    ("given", "utc"),
    [
        ("2024-07-01T00:00:18 GPS", "2024-07-01T00:00:00"),  # GPS - UTC = 18 s since 2017
        ("2024-07-01T00:00:37 TAI", "2024-07-01T00:00:00"),
        ("MJD 60492.0 TAI", "2024-06-30T23:59:23"),
        ("2024-07-01T02:00:00+02:00", "2024-07-01T00:00:00"),
    ],
)
def test_every_documented_time_scale_parses(given: str, utc: str) -> None:
    assert parse_instant(given).isoformat() == utc


def test_gps_in_lookup_and_certify(package: Path, tmp_path: Path) -> None:
    ran = run_cli(
        "lookup", "--root", str(package), "--instrument", EX, "--type", "defects", "--detector", "0",
        "--date", "2024-07-01T00:00:18 GPS",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert "at 2024-07-01T00:00:00Z" in ran.stdout
    src = package / EX / "defects/r22_s00/20240101T000000.ecsv"
    ran = run_cli(
        "certify", str(src), "--root", str(package), "--instrument", EX, "--type", "defects", "--detector", "0",
        "--valid-start", "2025-01-01T00:00:18 GPS", "--reason", "GPS test", "--author", "Cal Team",
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    assert (package / EX / "defects/r22_s00/20250101T000000.ecsv").is_file()


def test_closed_pipe_ends_quietly() -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "obscal", "timeline", "--instrument", EX],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader goes away before obscal writes, as `obscal ... | head -0` does
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 0, err
    assert err == ""


def test_a_bug_is_exit_3_with_one_line_and_traceback_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    import obscal.validation.validator as validator

    def broken(*args: object, **kw: object) -> None:
        raise RuntimeError("injected fault")

    monkeypatch.setattr(validator.Validator, "run", broken)  # fault injection: the handler is what is tested
    ran = run_cli("validate")
    assert ran.returncode == 3
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and "internal error: RuntimeError: injected fault" in lines[0] and "--traceback" in lines[0]
    ran = run_cli("--traceback", "validate")
    assert ran.returncode == 3 and "Traceback (most recent call last)" in ran.stderr
    ran = run_cli("validate", "--traceback")
    assert ran.returncode == 3 and "Traceback (most recent call last)" in ran.stderr


def test_usage_errors_are_exit_2() -> None:
    assert run_cli("validate", "no/such/path").returncode == 2
    ran = run_cli("lookup", "--instrument", EX, "--type", "defecs", "--date", "2024-01-01")
    assert ran.returncode == 2 and "invalid choice" in ran.stderr and "defects" in ran.stderr


def test_version_is_the_installed_distribution() -> None:
    ran = run_cli("--version")
    assert ran.returncode == 0
    assert ran.stdout.strip() == f"obscal {version('obscal')}"
    import obscal

    assert obscal.__version__ == version("obscal")


def test_help_texts_state_exit_codes() -> None:
    for command in ("validate", "convert", "lookup", "certify"):
        ran = run_cli(command, "--help")
        assert ran.returncode == 0
        assert "3: a bug in obscal" in " ".join(ran.stdout.split()), command


def test_problem_codes_are_the_enum() -> None:
    from obscal import validate

    result = validate([REPO / "obs_data"])
    assert all(isinstance(p.code, Code) for p in result.problems)
    with pytest.raises(ValueError):
        result.report.error("x", "no-such-code", "typo in a code")


def test_json_output_is_one_document_on_stdout(tmp_path: Path) -> None:
    import json

    ran = run_cli(
        "convert", "obs_data/ExampleCam/defects", "--out", str(tmp_path / "o"), "--allow-dirty", "--format", "json"
    )
    assert ran.returncode == 0, ran.stderr
    doc = json.loads(ran.stdout)  # the whole of stdout is one JSON document
    assert doc["ok"] and len(doc["written"]) == 6 and doc["skipped"] == [] and "counts" in doc
    assert "converted 6 file(s)" in ran.stderr


def test_allow_dirty_with_rev_is_a_usage_error(tmp_path: Path) -> None:
    ran = run_cli("convert", "--rev", "HEAD", "--allow-dirty", "--out", str(tmp_path / "o"))
    assert ran.returncode == 2 and "--allow-dirty does not go with --rev" in ran.stderr


def test_date_outside_git_says_what_it_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import shutil

    from astropy.io import fits

    shutil.copytree(REPO / "obs_data", tmp_path / "obs_data")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    ran = run_cli("convert", "obs_data/ExampleCam/defects", "--out", "out", "--allow-dirty", cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    header = fits.getheader(tmp_path / "out/ExampleCam/defects/r22_s00/20240101T000000.fits", 0)
    assert header["DATE"] == "2023-11-14T22:13:20"
    assert header.comments["DATE"] == "UTC, from SOURCE_DATE_EPOCH (not from git)"
