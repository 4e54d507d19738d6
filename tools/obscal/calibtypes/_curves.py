"""Checks shared by wavelength curves (QE and transmission): sampling, units, physical range."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from obscal.model.units import fraction_scale, length_scale_nm

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext

#: A fraction beyond [-TOL, 1 + TOL] is unphysical; small excursions (measurement noise) are warned.
TOLERANCE = 0.01


def check_curve(ctx: CheckContext, value_columns: tuple[str, ...], percent_only: bool = False) -> None:
    """Checks every curve type shares: wavelengths increasing and positive, efficiencies in range, units known."""
    table = ctx.calib.tables()[0]
    wave = table.column("wavelength")
    value = next((table.column(c) for c in value_columns if table.column(c) is not None), None)
    if wave is None or value is None:
        return  # the schema reports missing columns
    scale_nm = length_scale_nm(wave.unit)
    if scale_nm is None:
        ctx.error(
            "curve",
            f"wavelength unit {wave.unit!r} is not a length",
            path=("columns", "wavelength"),
            hint="use nm or Angstrom",
        )
    frac = fraction_scale(value.unit)
    if percent_only and value.unit != "%":
        ctx.error(
            "curve",
            f"{value.name} must be in percent ('%'), not {value.unit!r}",
            path=("columns", value.name),
            hint="the LSST QE reader requires unit '%'",
        )
    elif frac is None:
        ctx.error(
            "curve",
            f"{value.name} unit {value.unit!r} is not a fraction or a percentage",
            path=("columns", value.name),
            hint="use '%' or leave the column dimensionless",
        )
    amp_col = table.column("amp_name")
    groups: dict[str, list[int]] = {}
    if amp_col is not None:
        for i, name in enumerate(amp_col.data):
            groups.setdefault(str(name), []).append(i)
        det = ctx.detector()
        if det is not None:
            unknown = [a for a in groups if a not in det.amp_names]
            if unknown:
                ctx.error(
                    "curve",
                    f"amp_name(s) {', '.join(unknown)} are not amplifiers of {det.name}",
                    path=("columns", "amp_name"),
                )
    else:
        groups[""] = list(range(len(table)))
    if len(table) == 0:
        ctx.error("curve", "the curve has no rows")
        return
    w_all = np.asarray(wave.data, dtype=np.float64)
    infinite = np.flatnonzero(~np.isfinite(w_all))
    if infinite.size:
        row = int(infinite[0])
        ctx.error("curve", f"wavelength {w_all[row]:g} is not a finite number", line=ctx.row_line(row))
        return
    reference = None
    for amp, rows in groups.items():
        idx = np.asarray(rows)
        w = w_all[idx]
        label = f" for amplifier {amp}" if amp else ""
        steps = np.diff(w)
        bad = np.nonzero(~(steps > 0))[0]
        if bad.size:
            row = int(idx[bad[0] + 1])
            ctx.error(
                "curve",
                f"wavelength must increase strictly{label}: {w[bad[0]]:g} is followed by {w[bad[0] + 1]:g}",
                line=ctx.row_line(row),
            )
        if reference is None:
            reference = w
        elif w.shape != reference.shape or not np.array_equal(w, reference, equal_nan=True):
            ctx.error(
                "curve",
                f"amplifier {amp} is sampled at other wavelengths than {next(iter(groups))}",
                line=ctx.row_line(int(idx[0])),
                hint="the LSST reader averages amplifiers and needs identical sampling",
            )
    if scale_nm is not None and w_all.size:
        lo, hi = np.nanmin(w_all) * scale_nm, np.nanmax(w_all) * scale_nm
        if lo < 100 or hi > 30000:
            ctx.warning(
                "curve",
                f"wavelengths span {lo:g}-{hi:g} nm: is the unit ({wave.unit}) right?",
                path=("columns", "wavelength"),
            )
    if frac is None:
        return
    v = np.asarray(value.data, dtype=np.float64) * frac
    infinite = np.flatnonzero(np.isinf(v))
    if infinite.size:
        row = int(infinite[0])
        ctx.error("curve", f"{value.name} {value.data[row]:g} is infinite", line=ctx.row_line(row))
        return
    nan = np.nonzero(np.isnan(v))[0]
    if nan.size:
        ctx.warning("curve", f"{value.name} has {nan.size} NaN value(s)", line=ctx.row_line(int(nan[0])))
    finite = np.where(np.isnan(v), 0.5, v)
    for test, what, severity in (
        (finite < -TOLERANCE, "below 0", "error"),
        (finite > 1 + TOLERANCE, "above 100%", "error"),
        ((finite < 0) & (finite >= -TOLERANCE), "slightly below 0", "warning"),
        ((finite > 1) & (finite <= 1 + TOLERANCE), "slightly above 100%", "warning"),
    ):
        hits = np.nonzero(test)[0]
        if hits.size:
            row = int(hits[0])
            msg = (
                f"{hits.size} {value.name} value(s) {what} (first: {value.data[row]:g} {value.unit or ''} "
                f"at {w_all[row]:g} {wave.unit})"
            )
            getattr(ctx, severity)("curve", msg, line=ctx.row_line(row))
