"""The ECSV reader agrees with astropy on every variant, and text written by obscal reads back exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table as AstropyTable

from obscal import Calibration
from obscal.io import ecsv
from obscal.model.problems import ParseError

from .conftest import REPO, VARIANTS

ECSV_FILES = sorted(VARIANTS.rglob("*.ecsv")) + sorted((REPO / "obs_data").rglob("*.ecsv"))[:40]


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    a, b = np.asarray(a), np.asarray(b)
    if a.dtype.kind == "f":
        return a.dtype == b.dtype and np.array_equal(a.view(f"u{a.itemsize}"), b.view(f"u{b.itemsize}"))
    return np.array_equal(a, b)


@pytest.mark.parametrize("path", ECSV_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_reader_agrees_with_astropy(path: Path) -> None:
    ours = ecsv.read(path.read_text())
    theirs = AstropyTable.read(path, format="ascii.ecsv")
    assert ours.colnames == theirs.colnames
    for col in ours.columns:
        if col.is_array:
            for mine, other in zip(col.data, theirs[col.name], strict=False):
                assert np.array_equal(mine, np.asarray(other), equal_nan=mine.dtype.kind == "f")
        elif col.datatype == "string":
            assert list(col.data) == list(theirs[col.name])
        else:
            assert _same(col.data, np.asarray(theirs[col.name]))
            assert (str(theirs[col.name].unit) if theirs[col.name].unit is not None else None) in (
                col.unit,
                None,
            ) or col.unit in ("-", "")
    meta = {k: v for k, v in theirs.meta.items() if k != "__serialized_columns__"}
    assert list(meta) == list(ours.meta)
    assert meta == ours.meta


@pytest.mark.parametrize("path", ECSV_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_write_read_is_lossless_and_astropy_readable(path: Path, tmp_path: Path) -> None:
    calib = Calibration.readText(path)
    out = calib.writeText(tmp_path / path.name)
    again = Calibration.readText(out)
    assert again.getMetadata() == calib.getMetadata()
    assert list(again.getMetadata()) == list(calib.getMetadata())
    for a, b in zip(calib.tables()[0].columns, again.tables()[0].columns, strict=False):
        assert (a.name, a.datatype, a.unit, a.subtype) == (b.name, b.datatype, b.unit, b.subtype)
        if a.is_array:
            assert all(_same(x, y) for x, y in zip(a.data, b.data, strict=False))
        else:
            assert _same(a.data, b.data)
    assert again.toText("ecsv") == out.read_text()  # stable: writing twice gives the same bytes
    astro = AstropyTable.read(out, format="ascii.ecsv")
    assert len(astro) == len(calib.tables()[0])


def test_float_cells_round_trip_bit_for_bit() -> None:
    rng = np.random.default_rng(3)
    f64 = np.concatenate(
        [
            rng.normal(size=2000) * 10.0 ** rng.integers(-300, 300, 2000),
            [np.nan, np.inf, -np.inf, 0.0, -0.0, 5e-324, 1.7976931348623157e308],
        ]
    )
    f32 = (rng.normal(size=5000) * 10.0 ** rng.integers(-30, 30, 5000)).astype(np.float32)
    table = ecsv.Table([ecsv.Column("a", "float64", f64), ecsv.Column("b", "float64", f64[::-1].copy())], {})
    back = ecsv.read(ecsv.write(table))
    assert _same(back["a"], f64) and _same(back["b"], f64[::-1])
    t32 = ecsv.Table([ecsv.Column("c", "float32", f32)], {})
    assert _same(ecsv.read(ecsv.write(t32))["c"], f32)
    arr = ecsv.Table([ecsv.Column("v", "string", [f64[:50]], subtype="float64[50]")], {})
    assert _same(ecsv.read(ecsv.write(arr))["v"][0], f64[:50])


def test_strings_with_spaces_and_quotes_round_trip() -> None:
    values = np.array(["plain", "two words", 'say "hi"', "", "#hash"])
    back = ecsv.read(ecsv.write(ecsv.Table([ecsv.Column("s", "string", values)], {"K": "v w"})))
    assert list(back["s"]) == list(values)
    assert back.meta == {"K": "v w"}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("hello\n", 1, "first line must be '# %ECSV"),
        ("# %ECSV 2.0\n", 1, "unsupported ECSV version"),
        (
            "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: a, datatype: int64}\n# meta: {}\na\n1\nx\n",
            8,
            "'x' is not a valid int64",
        ),
        (
            "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: a, datatype: int64}\n# - {name: b, datatype: int64}\n"
            "a b\n1 2\n3\n",
            8,
            "has 1 values but the table has 2",
        ),
        ("# %ECSV 1.0\n# ---\n# datatype:\n# - {name: a, datatype: complex9}\na\n", 4, "unsupported datatype"),
        (
            "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: a, datatype: int64}\n# meta: {A: 1, A: 2}\na\n",
            5,
            "duplicate key 'A'",
        ),
    ],
)
def test_malformed_ecsv_is_reported_at_its_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(ParseError) as info:
        ecsv.read(text)
    assert fragment in info.value.message
    assert info.value.line == line


@pytest.mark.parametrize(
    "rel",
    [
        "crosstalk/r22_s00/20240101T000000.ecsv",
        "linearizer/r22_s01/20240101T000000.ecsv",
        "transmission_sensor/r22_s10/20240101T000000.ecsv",
        "defects/r22_s11/20250301T000000.ecsv",
    ],
)
def test_totable_fromtable_keeps_values(rel: str) -> None:
    calib = Calibration.readText(REPO / "obs_data" / "ExampleCam" / rel)
    [astro] = calib.toTable()
    assert dict(astro.meta) == calib.getMetadata()
    back = type(calib).fromTable([astro], calib.dataset_type)
    assert back.getMetadata() == calib.getMetadata()
    for a, b in zip(calib.tables()[0].columns, back.tables()[0].columns, strict=False):
        assert (a.name, a.unit) == (b.name, b.unit)
        if a.is_array:
            assert all(_same(x, y) for x, y in zip(a.data, b.data, strict=False))
        else:
            assert _same(a.data, b.data) or list(a.data) == list(b.data)
