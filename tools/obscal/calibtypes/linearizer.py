"""``linearizer``: per-amplifier linearity corrections (one table row, or YAML entry, per amplifier)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..calibration import Calibration

if TYPE_CHECKING:
    from ..checks import CheckContext

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
                if isinstance(amp, dict):
                    coeffs = np.asarray(amp.get("linearityCoeffs") or [], dtype=float)
                    out.append((str(name), str(amp.get("linearityType", "None")), coeffs, ("amplifiers", name)))
        return out

    def check(self, ctx: CheckContext) -> None:
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
            if coeffs.size and not np.all(np.isfinite(coeffs)):
                ctx.error("linearizer", f"amplifier {name}: coefficients must be finite", path=where)
