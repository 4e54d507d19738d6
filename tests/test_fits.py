"""FITS layout and the lossless round trip text -> FITS -> text, read back with astropy."""

from __future__ import annotations

import io
import math
import random
import shutil
import struct
import subprocess
import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table

from obscal import Calibration, ObscalError
from obscal.io.fits import fits_bytes
from obscal.io.fits import read_full as read_fits_full
from obscal.model.stamps import Stamps
from obscal.validation.compare import differences

from .conftest import REPO, VARIANTS

OBS_DATA = sorted(
    p for p in (REPO / "obs_data").rglob("*") if p.suffix in (".ecsv", ".yaml") and "camera" not in p.parts
)
VARIANT_FILES = sorted(p for p in VARIANTS.rglob("*") if p.suffix in (".ecsv", ".yaml", ".json"))


def _stamps(**kw) -> Stamps:
    base = dict(
        valid_start="2024-01-01T00:00:00",
        valid_end="",
        source="obs_data/X/defects/d0/20240101T000000.ecsv",
        path="X/defects/d0/20240101T000000.ecsv",
        sha256="0" * 64,
        date="2024-02-03T04:05:06",
        commit="a" * 40,
    )
    base.update(kw)
    return Stamps(**base)


def _round_trip(calib: Calibration, stamps: Stamps | None = None) -> tuple[Calibration, bytes]:
    data = fits_bytes(calib, stamps or _stamps(), calib.source.path.name if calib.source else "x.ecsv")
    back, _ = read_fits_full(Calibration, io.BytesIO(data))
    return back, data


def _ecsv_calibration(tmp_path: Path, meta_lines: list[str], columns: str, rows: list[str]) -> Calibration:
    names = " ".join(line.split("name: ")[1].split(",")[0] for line in columns.splitlines())
    text = "\n".join(
        ["# %ECSV 1.0", "# ---", "# datatype:", *columns.splitlines(), "# meta: !!omap", *meta_lines,
         "# schema: astropy-2.0", names, *rows, ""]
    )  # fmt: skip
    path = tmp_path / "defects" / "d0" / "20240101T000000.ecsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return Calibration.readText(path)


@pytest.mark.parametrize("path", OBS_DATA, ids=lambda p: p.relative_to(REPO / "obs_data").as_posix())
def test_every_obs_data_file_round_trips_to_the_same_bytes(path: Path) -> None:
    calib = Calibration.readText(path)
    back, _ = _round_trip(calib)
    assert differences(calib, back) == []
    assert back.toText(path.suffix.lstrip(".")) == path.read_text()


@pytest.mark.parametrize("path", VARIANT_FILES, ids=lambda p: p.relative_to(VARIANTS).as_posix())
def test_every_accepted_variant_round_trips_to_the_same_calibration(path: Path, tmp_path: Path) -> None:
    calib = Calibration.readText(path)
    back, _ = _round_trip(calib)
    assert differences(calib, back) == []
    # the text written from the FITS file reads back as the original calibration (tags included)
    written = back.writeText(tmp_path / path.relative_to(VARIANTS))
    reread = Calibration.readText(written)
    assert differences(calib, reread) == []
    assert reread.source.metadata_form == calib.source.metadata_form


def test_layout_is_what_the_lsst_readers_expect() -> None:
    """Empty primary HDU, one BINTABLE per table, metadata (with CALIBCLS) in every table header."""
    path = REPO / "obs_data/ExampleCam/bfk/r22_s00/20240101T000000.yaml"
    calib = Calibration.readText(path)
    _, data = _round_trip(calib)
    with fits.open(io.BytesIO(data)) as hdul:
        assert hdul[0].data is None and hdul[0].header["NAXIS"] == 0
        assert [type(h).__name__ for h in hdul[1:]] == ["BinTableHDU", "BinTableHDU"]
        for hdu in hdul[1:]:
            assert hdu.header["CALIBCLS"] == "lsst.ip.isr.brighterFatterKernel.BrighterFatterKernel"
            assert hdu.header["KERNEL_DX"] == 17 and hdu.header["bfk_VERSION"] == 1.1
            assert "EXTNAME" not in hdu.header
        # what astropy (and so ip_isr) reads: the detector-kernel table with the flattened kernel
        kernels = Table.read(hdul, hdu=2)
        assert list(kernels.colnames) == ["DETECTOR", "KERNEL"]
        expected = np.asarray(calib.toDict()["detKernels"]["R22_S00"])
        assert np.array_equal(kernels["KERNEL"][0], expected)
        assert len(Table.read(hdul, hdu=1)) == 0  # LEVEL DETECTOR: no amplifier rows


def test_crosstalk_yaml_with_inter_chip_terms_uses_two_tables() -> None:
    calib = Calibration.readText(VARIANTS / "testcam/crosstalk/d1/1970-01-01T00:00:00.yaml")
    _, data = _round_trip(calib)
    with fits.open(io.BytesIO(data)) as hdul:
        main, inter = Table.read(hdul, hdu=1), Table.read(hdul, hdu=2)
    assert len(main) == 1 and np.array_equal(main["CT_COEFFS"][0], np.ravel(calib.toDict()["coeffs"]))
    assert list(inter["IC_SOURCE_DET"]) == list(calib.toDict()["interChip"])


def test_linearizer_with_lookup_table_uses_two_tables() -> None:
    calib = Calibration.readText(VARIANTS / "testcam/linearizer/d1/1970-01-01T00:00:00.yaml")
    _, data = _round_trip(calib)
    with fits.open(io.BytesIO(data)) as hdul:
        amps, lookup = Table.read(hdul, hdu=1), Table.read(hdul, hdu=2)
    content = calib.toDict()
    assert list(amps["AMPLIFIER_NAME"]) == list(content["amplifiers"])
    assert list(amps["TYPE"]) == ["LookupTable", "LookupTable"]
    box = content["amplifiers"]["A0"]["linearityBBox"]  # inclusive corners -> origin + size
    assert (amps["BBOX_X0"][0], amps["BBOX_DX"][0]) == (box[0][0], box[1][0] - box[0][0] + 1)
    assert np.array_equal(np.asarray(lookup["LOOKUP_VALUES"]), np.asarray(content["tableData"]))


def _random_floats(n: int, seed: int) -> list[float]:
    rng = random.Random(seed)
    values = [struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0] for _ in range(n)]
    return [*values, math.nan, math.inf, -math.inf, -0.0, 5e-324, 1.7976931348623157e308]


def test_floats_round_trip_bit_for_bit_in_columns_and_metadata(tmp_path: Path) -> None:
    floats = _random_floats(300, seed=7)
    finite = [f for f in floats if math.isfinite(f)]
    meta = [f"# - {{KEY{i:03d}: {f!r}}}" for i, f in enumerate(finite[:60])]
    meta += ["# - {NANKEY: .nan}", "# - {NEGZERO: -0.0}"]
    rows = [f"0 0 1 1 {f!r}".replace("nan", "nan") for f in floats]
    columns = "\n".join(
        f"# - {{name: {n}, datatype: {t}}}"
        for n, t in (("x0", "int64"), ("y0", "int64"), ("width", "int64"), ("height", "int64"), ("v", "float64"))
    )
    calib = _ecsv_calibration(tmp_path, meta, columns, rows)
    back, _ = _round_trip(calib)
    assert differences(calib, back) == []
    original = calib.tables()[0]["v"]
    assert back.tables()[0]["v"].tobytes() == original.tobytes()
    for i, f in enumerate(finite[:60]):
        assert struct.pack("<d", back.getMetadata()[f"KEY{i:03d}"]) == struct.pack("<d", f)


def test_metadata_values_no_fits_card_holds_still_round_trip(tmp_path: Path) -> None:
    meta = [
        "# - {RAFTNAME: R22}",
        "# - {raftName: r22}",  # same 8 letters, different case: a HIERARCH card keeps them apart
        "# - {UNICODE: 'Jörg’s edit'}",
        "# - {TRAILING: 'blank  '}",
        "# - {EMPTYLIST: []}",
        "# - {ONE: [1]}",
        "# - {SHAPE: [16, 16]}",
        "# - {MIXED: [1, a]}",
        "# - {NESTED: {a: {b: [1, 2.5]}}}",
        "# - {WHEN: 2024-01-02}",
        "# - {HUGE: 123456789012345678901234567890}",
        "# - {NOTHING: null}",
        "# - {LONG: '" + "x" * 300 + "'}",
        "# - {lower: 1}",
    ]
    columns = "\n".join(f"# - {{name: {n}, datatype: int64}}" for n in ("x0", "y0", "width", "height"))
    calib = _ecsv_calibration(tmp_path, meta, columns, ["1 2 3 4"])
    back, data = _round_trip(calib)
    assert differences(calib, back) == []
    with fits.open(io.BytesIO(data)) as hdul:
        header = hdul[1].header
        cards = {c.keyword: c.value for c in header.cards}
        assert cards["RAFTNAME"] == "R22" and cards["raftName"] == "r22"
        assert [c.value for c in header.cards if c.keyword == "SHAPE"] == [16, 16]  # a list: repeated cards
        assert "NOTHING" not in cards  # no valueless card (fitsverify warns), restored from the record


def test_string_columns_that_fits_cannot_hold_round_trip(tmp_path: Path) -> None:
    columns = "\n".join(
        ["# - {name: x0, datatype: int64}", "# - {name: y0, datatype: int64}", "# - {name: width, datatype: int64}",
         "# - {name: height, datatype: int64}", "# - {name: note, datatype: string}"]
    )  # fmt: skip
    calib = _ecsv_calibration(tmp_path, ["# - {OBSTYPE: defects}"], columns, ['1 2 3 4 "café "', "1 2 3 4 plain"])
    back, _ = _round_trip(calib)
    assert differences(calib, back) == []
    assert list(back.tables()[0]["note"]) == ["café ", "plain"]


def test_reserved_and_unwritable_keys_are_refused_with_their_names(tmp_path: Path) -> None:
    columns = "\n".join(f"# - {{name: {n}, datatype: int64}}" for n in ("x0", "y0", "width", "height"))
    calib = _ecsv_calibration(tmp_path, ["# - {NAXIS: 3}", "# - {'A=B': 1}"], columns, [])
    with pytest.raises(ObscalError) as info:
        fits_bytes(calib, _stamps(), "20240101T000000.ecsv")
    assert "'NAXIS'" in str(info.value) and "'A=B'" in str(info.value)


def test_checksums_are_valid_and_dated_with_the_commit_not_the_clock() -> None:
    calib = Calibration.readText(OBS_DATA[0])
    data = fits_bytes(calib, _stamps(date="2001-02-03T04:05:06"), "x.ecsv")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fits.open(io.BytesIO(data), checksum=True) as hdul:
            assert hdul[0].header["DATE"] == "2001-02-03T04:05:06"
            for hdu in hdul:
                assert hdu.header.comments["CHECKSUM"] == "2001-02-03T04:05:06"
                assert "DATASUM" in hdu.header
    assert fits_bytes(calib, _stamps(date="2001-02-03T04:05:06"), "x.ecsv") == data


def test_a_changed_byte_is_caught_by_the_checksum(tmp_path: Path) -> None:
    calib = Calibration.readText(OBS_DATA[0])
    data = bytearray(fits_bytes(calib, _stamps(), "x.ecsv"))
    data[-100] ^= 0x01  # inside the last table's data
    path = tmp_path / "bad.fits"
    path.write_bytes(bytes(data))
    with pytest.raises(ObscalError, match="changed or damaged"):
        Calibration.readFits(path)


def test_calibration_api_writes_and_reads_fits(tmp_path: Path) -> None:
    source = REPO / "obs_data/ExampleCam/crosstalk/r22_s00/20240101T000000.ecsv"
    calib = Calibration.readText(source)
    out = calib.writeFits(tmp_path / "ct.fits")
    back = Calibration.readFits(out)
    assert type(back).__name__ == "Crosstalk" and back.dataset_type == "crosstalk"
    assert differences(calib, back) == []
    assert back.source.name == "20240101T000000.ecsv"


def test_camera_has_no_fits_form() -> None:
    camera = Calibration.readText(REPO / "obs_data/ExampleCam/camera/20240101T000000.yaml")
    with pytest.raises(ObscalError, match="no FITS form"):
        camera.lsst_tables()


# --------------------------------------------------------------------------- files from other software


def _lsst_style(tmp_path: Path, tables: list[Table], name: str = "foreign.fits") -> Path:
    """Write tables the way ip_isr's writeFits does: empty primary, astropy table_to_hdu per table."""
    hdus = [fits.PrimaryHDU()]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hdus += [fits.table_to_hdu(t) for t in tables]
    path = tmp_path / name
    fits.HDUList(hdus).writeto(path)
    return path


def test_reads_a_defects_file_written_by_other_software(tmp_path: Path) -> None:
    meta = {"OBSTYPE": "defects", "INSTRUME": "LSSTCam", "DETECTOR": 94, "DET_NAME": "R22_S11",
            "CALIBDATE": "2024-05-01T00:00:00", "CALIBCLS": "lsst.ip.isr.defects.Defects",
            "defects_VERSION": 2.0}  # fmt: skip
    table = Table({"x0": [1, 5], "y0": [2, 6], "width": [3, 7], "height": [4, 8]}, meta=meta)
    calib = Calibration.readFits(_lsst_style(tmp_path, [table]))
    assert calib.dataset_type == "defects" and calib.getMetadata()["DETECTOR"] == 94
    assert calib.tables()[0]["width"].tolist() == [3, 7]
    assert calib.source.fits.record is None  # no obscal record


def test_reads_crosstalk_with_inter_chip_table_from_other_software(tmp_path: Path) -> None:
    meta = {"OBSTYPE": "CROSSTALK", "INSTRUME": "LSSTCam", "DETECTOR": 0, "DET_NAME": "R01_S00", "NAMP": 2,
            "CALIBDATE": "1970-01-01T00:00:00", "CROSSTALK_SHAPE": [2, 2], "HAS_CROSSTALK": True}  # fmt: skip
    main = Table({"CT_COEFFS": [np.array([0.0, 1e-4, 2e-4, 0.0])]}, meta=meta)
    inter = Table({"IC_SOURCE_DET": ["R01_S01"], "IC_COEFFS": [np.array([1e-6, 0, 0, 1e-6])]}, meta=meta)
    calib = Calibration.readFits(_lsst_style(tmp_path, [main, inter]))
    content = calib.toDict()
    assert content["coeffs"] == [0.0, 1e-4, 2e-4, 0.0]
    assert content["interChip"] == {"R01_S01": [1e-6, 0.0, 0.0, 1e-6]}
    assert calib.getMetadata()["CROSSTALK_SHAPE"] == [2, 2]  # repeated cards read back as a list


def test_fitsverify_passes_every_layout(tmp_path: Path) -> None:
    fitsverify = shutil.which("fitsverify")
    assert fitsverify, "fitsverify is needed (Debian package fitsverify; .ci/run installs it)"
    for path in [*OBS_DATA, *VARIANT_FILES]:
        calib = Calibration.readText(path)
        out = tmp_path / "check.fits"
        out.write_bytes(fits_bytes(calib, _stamps(), path.name))
        result = subprocess.run([fitsverify, str(out)], capture_output=True, text=True)
        assert "Verification found 0 warning(s) and 0 error(s)" in result.stdout, (path, result.stdout)


def test_a_type_class_reads_its_second_dataset_type_from_the_metadata(tmp_path: Path) -> None:
    from obscal.calibtypes.defects import Defects

    meta = {"OBSTYPE": "manual_defects", "INSTRUME": "LSSTCam", "DETECTOR": 27, "DET_NAME": "R10_S00"}
    table = Table({"x0": [1.0], "y0": [2.0], "width": [3.0], "height": [4.0]}, meta=meta)
    calib = Defects.readFits(_lsst_style(tmp_path, [table]))
    assert type(calib) is Defects and calib.dataset_type == "manual_defects"
