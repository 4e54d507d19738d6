"""``crosstalk``: the amplifier-to-amplifier crosstalk matrix of a detector.

Matrices are flattened row-major ``NAMP x NAMP`` in the detector's amplifier readout order.
Following the code that applies them in ip_isr, row = source amplifier and column = target (the
class docstring there says the opposite; the schema description records the ambiguity).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from obscal.calibtypes import _columns
from obscal.model.calibration import Calibration, LsstTables
from obscal.model.table import Table

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext

#: Largest plausible |coefficient|: crosstalk of more than a few percent means a wrong file or units.
PLAUSIBLE = 0.05


class Crosstalk(Calibration):
    """``crosstalk``: the amplifier-to-amplifier crosstalk matrices of a detector (ECSV or YAML)."""

    dataset_types = ("crosstalk",)
    OBSTYPE = "CROSSTALK"
    SCHEMA = "Gen3 Crosstalk"
    VERSION = "1.2"
    LEGACY_VERSION = "1.0"
    dimensions = ("detector",)
    CALIBCLS = ("lsst.ip.isr.crosstalk.CrosstalkCalib", "lsst.ip.isr.CrosstalkCalib")
    obstype_case_sensitive = True

    def arrays(self) -> dict[str, tuple[np.ndarray, tuple]]:
        """Each flattened matrix (and fit gains) with the path to it in the file."""
        out: dict[str, tuple[np.ndarray, tuple]] = {}
        if self._tables:
            table = self._tables[0]
            if len(table) == 1:
                for col in table.columns:
                    if col.is_array:
                        out[col.name] = (np.asarray(col.data[0]), ("rows", 0))
        elif self._content is not None:
            for key, name in YAML_KEYS:
                value = self._content.get(key)
                if isinstance(value, list):
                    if _columns.first_non_number(value) is None:  # the check reports the others
                        out[name] = (np.asarray(value, dtype=float).ravel(), (key,))
        return out

    def describe_changes(self, old: Calibration) -> list[str]:
        """The largest change of each matrix and the amplifier pairs (source -> target) changed beyond 1e-6."""
        lines = []
        before = old.arrays() if isinstance(old, Crosstalk) else {}
        for name, (values, _where) in self.arrays().items():
            if name not in before:
                continue
            a, b = before[name][0], values
            if a.shape != b.shape:
                lines.append(f"{name}: {a.size} -> {b.size} values")
                continue
            delta = np.abs(b.astype(float) - a.astype(float))
            if not np.any(delta > 0):
                continue
            n = round(float(np.sqrt(b.size)))
            i = int(np.nanargmax(delta))
            pair = f"amplifiers {i // n} -> {i % n}" if n * n == b.size else f"element {i}"
            changed = int(np.sum(delta > 1e-6))
            lines.append(f"{name}: largest change {delta[i]:.3g} at {pair}; {changed} value(s) changed beyond 1e-06")
        return lines

    def check(self, ctx: CheckContext) -> None:
        """Sizes agree with NAMP and the camera, diagonals zero, coefficients plausible, inter-chip sources known."""
        for key, _name in YAML_KEYS:
            bad = _columns.first_non_number((self._content or {}).get(key))
            if bad is not None:
                ctx.error("crosstalk", f"{key} item {bad[0]} is {str(bad[1])[:40]!r}, not a number", path=(key, bad[0]))
        md = self.getMetadata()
        namp = md.get("NAMP", (self._content or {}).get("nAmp"))
        if not isinstance(namp, int):
            return
        if self._tables and len(self._tables[0]) != 1:
            ctx.error("crosstalk", f"a crosstalk table has exactly one row, not {len(self._tables[0])}")
            return
        det = ctx.detector()
        if det is not None and namp != len(det.amplifiers):
            ctx.error(
                "crosstalk",
                f"NAMP is {namp} but detector {det.name} has {len(det.amplifiers)} amplifiers",
                path=("metadata", "NAMP"),
            )
        shape = md.get("CROSSTALK_SHAPE", (self._content or {}).get("crosstalkShape"))
        if isinstance(shape, list) and shape != [namp, namp]:
            ctx.error(
                "crosstalk",
                f"CROSSTALK_SHAPE {shape} disagrees with NAMP {namp}",
                path=("metadata", "CROSSTALK_SHAPE"),
                hint=f"set CROSSTALK_SHAPE: [{namp}, {namp}]",
            )
        for name, (values, where) in self.arrays().items():
            expected = namp if name == "CT_FIT_GAINS" else namp * namp
            if name == "CT_FIT_GAINS" and values.size == 1:
                continue  # the LSST reader expands a single value
            if values.size != expected:
                ctx.error("crosstalk", f"{name} has {values.size} entries; NAMP={namp} needs {expected}", path=where)
                continue
            if name in ("CT_COEFFS", "CT_COEFFS_SQR") and not np.all(np.isfinite(values)):
                bad = np.flatnonzero(~np.isfinite(values))
                source, target = divmod(int(bad[0]), namp)
                ctx.strict_error(
                    "crosstalk",
                    f"{name} has {bad.size} coefficient(s) that are not finite numbers (first: {values[bad[0]]} for "
                    f"amplifier {source} onto {target}; a YAML null reads as NaN)",
                    path=where,
                    hint="the LSST reader accepts them, and subtracting them writes NaN into the target amplifier: "
                    "use 0.0 where a coefficient was not measured",
                )
            if name in ("CT_COEFFS", "CT_COEFFS_SQR"):
                matrix = values.reshape(namp, namp)
                diag = np.diagonal(matrix)
                if np.any(diag[np.isfinite(diag)] != 0):
                    ctx.error(
                        "crosstalk",
                        f"{name} has non-zero diagonal entries (an amplifier onto itself)",
                        path=where,
                        hint="set the diagonal to 0.0",
                    )
            if name == "CT_COEFFS":
                finite = values[np.isfinite(values)]
                if finite.size and np.max(np.abs(finite)) > PLAUSIBLE:
                    ctx.warning(
                        "crosstalk",
                        f"largest |coefficient| is {np.max(np.abs(finite)):.3g}, more than "
                        f"{PLAUSIBLE:g}: check the units and the matrix orientation",
                        path=where,
                    )
        inter = (self._content or {}).get("interChip")
        if isinstance(inter, dict):
            for source, values in inter.items():
                if ctx.camera is not None and ctx.camera.detector_by_name(str(source)) is None:
                    ctx.error(
                        "crosstalk",
                        f"interChip source {source!r} is not a detector of the camera",
                        path=("interChip", source),
                    )
                if isinstance(values, list) and len(values) != namp * namp:
                    ctx.error(
                        "crosstalk",
                        f"interChip[{source}] has {len(values)} entries; needs {namp * namp}",
                        path=("interChip", source),
                    )

    # ------------------------------------------------------------------ LSST FITS layout

    def lsst_tables(self) -> LsstTables:
        """HDU 1: one row of flattened matrices; HDU 2 (only with inter-chip terms): one row per source."""
        if self._content is None:
            return super().lsst_tables()
        content, md = self._content, self._metadata
        columns, refs = [], {}
        for key, name in YAML_KEYS:
            if content.get(key) is not None:
                base = COLUMN_TYPES.get(name, "float64")
                columns.append(_columns.vector(name, [_columns.array(content[key], base, key)], base))
                refs[(key,)] = (0, name, 0)
        tables = [Table(columns, md)]
        inter = content.get("interChip")
        if isinstance(inter, dict) and inter:
            sources = list(inter)
            values = [_columns.array(v, "float64", f"interChip[{k}]") for k, v in inter.items()]
            columns = [
                _columns.scalar("IC_SOURCE_DET", sources, "string"),
                _columns.vector("IC_COEFFS", values, "float64"),
            ]
            tables.append(Table(columns, md))
            refs.update({("interChip", k): (1, "IC_COEFFS", i) for i, k in enumerate(sources)})
        return LsstTables(tables, refs)

    @classmethod
    def from_lsst_tables(cls, tables: list[Table], metadata: dict, dataset_type: str) -> Calibration:
        """Build from the LSST layout written by other software (one row, and inter-chip rows)."""
        if len(tables) == 1:
            return super().from_lsst_tables(tables, metadata, dataset_type)
        main, inter = tables[0], tables[1]
        content: dict = {"metadata": metadata}
        for key, name in YAML_KEYS:
            values = _columns.cells(main.column(name))
            if values:
                content[key] = values[0]
        names = [str(n) for n in _columns.cells(inter.column("IC_SOURCE_DET"))]
        content["interChip"] = dict(zip(names, _columns.cells(inter.column("IC_COEFFS")), strict=False))
        return cls(metadata, content=content, dataset_type=dataset_type)


#: YAML key (LSST ``toDict``) -> FITS/ECSV column.
YAML_KEYS = (
    ("coeffs", "CT_COEFFS"),
    ("coeffErr", "CT_ERRORS"),
    ("coeffNum", "CT_COUNTS"),
    ("coeffValid", "CT_VALID"),
    ("coeffsSqr", "CT_COEFFS_SQR"),
    ("coeffErrSqr", "CT_ERRORS_SQR"),
    ("ampGainRatios", "CT_AMP_GAIN_RATIOS"),
    ("fitGains", "CT_FIT_GAINS"),
)
COLUMN_TYPES = {"CT_COUNTS": "int64", "CT_VALID": "bool"}
