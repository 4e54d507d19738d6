"""All cores, same output: ``-j 2`` gives what ``-j 1`` gives (text, JSON, FITS bytes); memory stays flat."""

from __future__ import annotations

import resource
import shutil
import subprocess
import sys
from pathlib import Path

import git

from obscal.validation import validator as validator_module

from .conftest import EXAMPLE_FILES, REPO, commit, edit, run_cli, snapshot

EX = "ExampleCam"


def _broken(package: Path) -> None:
    """A few problems of several kinds, spread over the package."""
    edit(package / EX / "crosstalk/r22_s10/20240101T000000.ecsv", "{DETECTOR: 2}", "{DETECTOR: 3}")
    edit(package / EX / "defects/r22_s01/20240101T000000.ecsv", "{FILTER: null}", "{FILTR: null}")
    (package / EX / "bfk/r22_s10/20240101T000000.yaml").write_text("metadata: [unclosed\n")


def test_validate_gives_the_same_report_with_two_workers(package: Path) -> None:
    assert EXAMPLE_FILES >= validator_module.PARALLEL_FROM  # the example package is checked by workers
    _broken(package)
    for fmt in ("text", "json", "github"):
        one = run_cli("validate", "-j", "1", "--format", fmt, str(package))
        two = run_cli("validate", "-j", "2", "--format", fmt, str(package))
        assert one.returncode == two.returncode == 1
        assert one.stdout == two.stdout, fmt


def test_instrument_level_problems_are_said_once_with_workers(package: Path) -> None:
    shutil.rmtree(package / EX / "camera")
    one = run_cli("validate", "-j", "1", "--profile", "compat", str(package))
    two = run_cli("validate", "-j", "2", "--profile", "compat", str(package))
    assert one.stdout == two.stdout
    assert two.stdout.count("no valid camera description for instrument 'ExampleCam'") == 1


def test_convert_writes_identical_fits_with_two_workers(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    commit(git.Repo.init(root), "package", "2025-01-01T00:00:00+00:00")
    for jobs in ("1", "2"):
        ran = run_cli("convert", "-j", jobs, "--out", str(tmp_path / f"out{jobs}"), cwd=root)
        assert ran.returncode == 0, ran.stderr
    assert snapshot(tmp_path / "out1") == snapshot(tmp_path / "out2")
    assert len(snapshot(tmp_path / "out1")) == EXAMPLE_FILES - 2 + 1  # FITS files and the output mark


def test_a_refused_convert_says_the_same_with_two_workers(tmp_path: Path) -> None:
    root = tmp_path / "pkg"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    _broken(root / "obs_data")
    commit(git.Repo.init(root), "package", "2025-01-01T00:00:00+00:00")
    one = run_cli("convert", "-j", "1", "--out", str(tmp_path / "a"), cwd=root)
    two = run_cli("convert", "-j", "2", "--out", str(tmp_path / "b"), cwd=root)
    assert one.returncode == two.returncode == 1
    assert one.stderr.replace(str(tmp_path / "a"), "OUT") == two.stderr.replace(str(tmp_path / "b"), "OUT")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def _peak_mb(*args: str) -> float:
    code = (
        "import resource, sys; from obscal.cli.main import main; main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)"
    )
    ran = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300)
    return int(ran.stderr.strip().splitlines()[-1]) / 1024


def test_memory_does_not_grow_with_the_number_of_files(tmp_path: Path) -> None:
    """Validating and converting 8 or 32 large YAML files (2 × 16,384 numbers each) peaks at the same RSS."""
    from obscal.testing.synthetic import write_decam_linearizers

    few, many = tmp_path / "few", tmp_path / "many"
    write_decam_linearizers(few, 8, table=16384)
    write_decam_linearizers(many, 32, table=16384)
    for what in ("validate", "convert"):
        extra = ["--allow-dirty", "--out"] if what == "convert" else []
        peaks = []
        for root in (few, many):
            out = [str(tmp_path / f"out-{what}-{root.name}")] if extra else []
            peaks.append(_peak_mb(what, "-j", "1", "--profile", "compat", *extra, *out, str(root)))
        assert peaks[1] - peaks[0] < 25, (what, peaks)  # kept calibrations would add about 5 MB per file
    _ = resource
