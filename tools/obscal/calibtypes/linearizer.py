"""``linearizer``: per-amplifier linearity corrections (one table row, or YAML entry, per amplifier)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from obscal.calibtypes import _columns
from obscal.model.calibration import Calibration, LsstTables
from obscal.model.table import Table
from obscal.model.tagged import BOX2I_TAG, POINT2I_TAG, TaggedSequence

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext

TYPES = ("LookupTable", "Polynomial", "Squared", "Spline", "DoubleSpline", "Proportional", "None")


def coefficient_problem(kind: str, coeffs: np.ndarray, table_rows: int | None) -> str | None:
    """Why ``coeffs`` cannot serve a linearity ``kind`` (None when they fit)."""
    n = coeffs.size
    if kind == "LookupTable":
        if n < 2:
            return "LookupTable needs 2 coefficients (table row, offset)"
        if table_rows is not None and not 0 <= coeffs[0] < table_rows:
            return f"LookupTable row {coeffs[0]:g} is outside the table's {table_rows} rows"
    elif kind in ("Polynomial", "Squared"):
        if n < 1:
            return f"{kind} needs at least 1 coefficient"
    elif kind == "Spline":
        if n < 4 or n % 2:
            return "Spline needs an even number (>= 4) of coefficients: nodes then values"
        nodes = coeffs[: n // 2]
        if np.any(np.diff(nodes) <= 0):
            return "Spline nodes (first half of the coefficients) must increase strictly"
    elif kind == "DoubleSpline":
        if n < 2:
            return "DoubleSpline needs the two node counts first"
        n1, n2 = coeffs[0], coeffs[1]
        if not (float(n1).is_integer() and float(n2).is_integer()) or n != 2 + 2 * int(n1) + 2 * int(n2):
            return f"DoubleSpline with {n1:g} and {n2:g} nodes needs {2 + 2 * n1 + 2 * n2:g} coefficients, has {n}"
    return None


class Linearizer(Calibration):
    """``linearizer``: per-amplifier linearity corrections (ECSV table, or YAML with a lookup table)."""

    dataset_types = ("linearizer",)
    OBSTYPE = "LINEARIZER"
    SCHEMA = "Gen3 Linearizer"
    VERSION = "1.8"
    LEGACY_VERSION = "1.0"
    dimensions = ("detector",)
    CALIBCLS = ("lsst.ip.isr.linearize.Linearizer", "lsst.ip.isr.Linearizer")
    obstype_case_sensitive = True
    empty_filter_ok = False

    def amplifiers(self) -> list[tuple[str, str, np.ndarray, tuple]]:
        """``(name, type, coefficients, path)`` per amplifier."""
        out = []
        if self._tables:
            table = self._tables[0]
            if not {"AMPLIFIER_NAME", "TYPE", "COEFFS"} <= set(table.colnames):
                return out
            for i, (name, kind, coeffs) in enumerate(
                zip(table["AMPLIFIER_NAME"], table["TYPE"], table["COEFFS"], strict=False)
            ):
                out.append((str(name), str(kind), np.asarray(coeffs, dtype=float), ("rows", i)))
        elif isinstance((self._content or {}).get("amplifiers"), dict):
            for name, amp in self._content["amplifiers"].items():  # type: ignore[index]
                if isinstance(amp, dict) and _columns.first_non_number(amp.get("linearityCoeffs")) is None:
                    coeffs = np.asarray(amp.get("linearityCoeffs") or [], dtype=float)
                    out.append((str(name), str(amp.get("linearityType", "None")), coeffs, ("amplifiers", name)))
        return out

    def check(self, ctx: CheckContext) -> None:
        """One entry per amplifier of the detector, known types, coefficients that fit the type and finite."""
        amps_yaml = (self._content or {}).get("amplifiers")
        for name, amp in amps_yaml.items() if isinstance(amps_yaml, dict) else ():
            bad = _columns.first_non_number(amp.get("linearityCoeffs") if isinstance(amp, dict) else None)
            if bad is not None:
                ctx.error(
                    "linearizer",
                    f"amplifier {name}: linearityCoeffs item {bad[0]} is {str(bad[1])[:40]!r}, not a number",
                    path=("amplifiers", name, "linearityCoeffs", bad[0]),
                )
        md = self.getMetadata()
        table_rows = None
        table_data = (self._content or {}).get("tableData")
        if isinstance(table_data, list):
            table_rows = len(table_data)
        amps = self.amplifiers()
        det = ctx.detector()
        if det is not None and amps:
            names = [a[0] for a in amps]
            missing = [a for a in det.amp_names if a not in names]
            extra = [a for a in names if a not in det.amp_names]
            if missing:
                ctx.error("linearizer", f"no entry for amplifier(s) {', '.join(missing)} of {det.name}")
            if extra:
                ctx.error("linearizer", f"amplifier(s) {', '.join(extra)} are not in detector {det.name}")
            dupes = sorted({n for n in names if names.count(n) > 1})
            if dupes:
                ctx.error("linearizer", f"amplifier(s) {', '.join(dupes)} appear more than once")
        if md.get("HAS_LINEARITY") is False and amps:
            ctx.warning(
                "linearizer",
                "HAS_LINEARITY is false, so the LSST reader ignores every amplifier entry",
                path=("metadata", "HAS_LINEARITY"),
            )
        for name, kind, coeffs, where in amps:
            if kind not in TYPES:
                ctx.error(
                    "linearizer",
                    f"amplifier {name}: unknown linearity type {kind!r}",
                    path=where,
                    hint="use one of " + ", ".join(TYPES),
                )
                continue
            problem = coefficient_problem(kind, coeffs, table_rows)
            if problem:
                ctx.error("linearizer", f"amplifier {name}: {problem}", path=where)
            elif kind == "LookupTable" and not float(coeffs[0]).is_integer():
                ctx.strict_error(
                    "linearizer",
                    f"amplifier {name}: the lookup-table row {coeffs[0]:g} is not a whole number",
                    path=where,
                    hint=f"the LSST reader accepts it and uses row {int(coeffs[0])}: write the row you mean",
                )
            if coeffs.size and not np.all(np.isfinite(coeffs)):
                ctx.error("linearizer", f"amplifier {name}: coefficients must be finite", path=where)

    # ------------------------------------------------------------------ LSST FITS layout

    def lsst_tables(self) -> LsstTables:
        """HDU 1: one row per amplifier; HDU 2 (only with a lookup table): one row per table row."""
        if self._content is None:
            return super().lsst_tables()
        content, md = self._content, self._metadata
        amps = content.get("amplifiers") if isinstance(content.get("amplifiers"), dict) else {}
        names = list(amps)
        columns = [_columns.scalar("AMPLIFIER_NAME", names, "string")]
        refs: dict = {}
        present = {key for amp in amps.values() if isinstance(amp, dict) for key in amp}
        if "linearityType" in present:
            columns.append(
                _columns.scalar("TYPE", [str(amps[a].get("linearityType", "None")) for a in names], "string")
            )
        if "linearityBBox" in present:
            boxes = [_bbox(amps[a].get("linearityBBox"), f"amplifiers/{a}/linearityBBox") for a in names]
            for i, col in enumerate(("BBOX_X0", "BBOX_Y0", "BBOX_DX", "BBOX_DY")):
                columns.append(_columns.scalar(col, [b[i] for b in boxes], "int64"))
        for key, name, base in AMP_COLUMNS:
            if key not in present:
                continue
            if base.endswith("[]"):
                kind = base[:-2]
                cells = [_columns.array(amps[a].get(key), kind, f"amplifiers/{a}/{key}") for a in names]
                columns.append(_columns.vector(name, cells, kind))
                refs.update({("amplifiers", a, key): (0, name, i) for i, a in enumerate(names)})
            else:
                default = np.nan if base == "float64" else ""
                values = [amps[a].get(key, default) for a in names]
                values = [np.nan if v is None and base == "float64" else v for v in values]
                columns.append(_columns.scalar(name, values, base))
        tables = [Table(columns, md)]
        table_data = content.get("tableData")
        if isinstance(table_data, list) and table_data:
            rows = [_columns.array(r, "float64", f"tableData[{i}]") for i, r in enumerate(table_data)]
            tables.append(Table([_columns.vector("LOOKUP_VALUES", rows, "float64")], md))
            refs.update({("tableData", i): (1, "LOOKUP_VALUES", i) for i in range(len(rows))})
        return LsstTables(tables, refs)

    @classmethod
    def from_lsst_tables(cls, tables: list[Table], metadata: dict, dataset_type: str) -> Calibration:
        """Build from the LSST layout written by other software (amplifier table, lookup table)."""
        if len(tables) == 1:
            return super().from_lsst_tables(tables, metadata, dataset_type)
        main = tables[0]
        names = [str(n) for n in _columns.cells(main.column("AMPLIFIER_NAME"))]
        amps: dict = {n: {} for n in names}
        if main.column("TYPE") is not None:
            for n, v in zip(names, _columns.cells(main.column("TYPE")), strict=False):
                amps[n]["linearityType"] = str(v)
        if main.column("BBOX_X0") is not None:
            parts = [_columns.cells(main.column(c)) for c in ("BBOX_X0", "BBOX_Y0", "BBOX_DX", "BBOX_DY")]
            for n, (x0, y0, dx, dy) in zip(names, zip(*parts, strict=False), strict=False):
                corners = [[x0, y0], [x0 + dx - 1, y0 + dy - 1]]  # Box2I: inclusive corners, as LSST writes it
                amps[n]["linearityBBox"] = TaggedSequence.with_tag(
                    BOX2I_TAG, [TaggedSequence.with_tag(POINT2I_TAG, c) for c in corners]
                )
        for key, name, _base in AMP_COLUMNS:
            for n, v in zip(names, _columns.cells(main.column(name)), strict=False):
                amps[n][key] = v
        content = {
            "metadata": metadata,
            "amplifiers": amps,
            "hasTable": True,
            "tableData": _columns.cells(tables[1].column("LOOKUP_VALUES")),
        }
        return cls(metadata, content=content, dataset_type=dataset_type)


#: Per-amplifier YAML key -> FITS/ECSV column and type (``[]``: one array per amplifier).
AMP_COLUMNS = (
    ("linearityCoeffs", "COEFFS", "float64[]"),
    ("fitParams", "FIT_PARAMS", "float64[]"),
    ("fitParamsErr", "FIT_PARAMS_ERR", "float64[]"),
    ("fitChiSq", "RED_CHI_SQ", "float64"),
    ("fitResiduals", "FIT_RES", "float64[]"),
    ("fitResidualsSigmaMad", "FIT_RES_SIGMAD", "float64"),
    ("fitResidualsUnmasked", "FIT_RES_UNMASKED", "float64[]"),
    ("fitResidualsModel", "FIT_RES_MODEL", "float64[]"),
    ("linearFit", "LIN_FIT", "float64[]"),
    ("linearityTurnoff", "LINEARITY_TURNOFF", "float64"),
    ("linearityMaxSignal", "LINEARITY_MAX_SIGNAL", "float64"),
    ("inputAbscissa", "INP_ABSCISSA", "float64[]"),
    ("inputOrdinate", "INP_ORDINATE", "float64[]"),
    ("inputMask", "INP_MASK", "bool[]"),
    ("inputGroupingIndex", "INP_GROUPING_INDEX", "int64[]"),
    ("inputNormalization", "INP_NORMALIZATION", "float64[]"),
    ("inputGain", "INPUT_GAIN", "float64"),
    ("inputTurnoff", "INPUT_TURNOFF", "float64"),
)


def _bbox(value: object, where: str) -> tuple[int, int, int, int]:
    """``[[x0, y0], [x1, y1]]`` (inclusive corners, as Box2I) -> ``(x0, y0, dx, dy)``."""
    try:
        (x0, y0), (x1, y1) = value  # type: ignore[misc]
        return int(x0), int(y0), int(x1) - int(x0) + 1, int(y1) - int(y0) + 1
    except (TypeError, ValueError):
        from obscal.model.problems import ObscalError

        raise ObscalError(f"{where}: not a box [[x0, y0], [x1, y1]]") from None
