"""Checks shared by wavelength curves (QE and transmission): sampling, units, physical range."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from obscal.model.units import fraction_scale, length_scale_nm

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext


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
        names = np.asarray(amp_col.data).astype(str)
        unique, first = np.unique(names, return_index=True)
        for name in unique[np.argsort(first)]:  # in the order the amplifiers first appear
            groups[str(name)] = np.flatnonzero(names == name).tolist()
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
    _check_range(ctx, value, wave, v, w_all, frac)


def _check_range(ctx: CheckContext, value: Any, wave: Any, v: np.ndarray, w_all: np.ndarray, frac: float) -> None:
    """Values as a fraction: noise past [0, 1] is a warning, what no measurement gives an error.

    Real measured curves exceed 100 % by noise and normalisation (LSST sensor QE up to 104.2 %, DECam
    throughputs up to 1.065); the tolerance is the package's (``[tool.obscal.curves]``).
    """
    tol = ctx.config.curves_for(ctx.info.instrument)
    finite = np.where(np.isnan(v), 0.5, v)
    unit = value.unit or "no unit"

    def where(row: int) -> str:
        return f"{value.data[row]:g} {value.unit or ''} at {w_all[row]:g} {wave.unit}".replace("  ", " ")

    top = int(np.argmax(finite))
    if frac == 1.0 and 1 + tol.above < finite[top] <= 100 * (1 + tol.above) and np.median(finite) > 1:
        ctx.error(
            "curve",
            f"{value.name} reaches {finite[top]:g} ({where(top)}) in a column whose unit ({unit}) makes it a "
            "fraction: these look like percentages",
            path=("columns", value.name),
            hint="give the column unit '%', or divide the values by 100",
            rule="curve-percent-as-fraction",
        )
        return
    for above, test, severity, rule, what in (
        (True, finite > 1 + tol.above, "error", "curve-far-above-100", f"above {100 * (1 + tol.above):g}%"),
        (True, (finite > 1) & (finite <= 1 + tol.above), "warning", "curve-above-100", "above 100%"),
        (False, finite < -tol.below, "error", "curve-far-below-0", f"below {-100 * tol.below:g}%"),
        (False, (finite < 0) & (finite >= -tol.below), "warning", "curve-below-0", "slightly below 0"),
    ):
        hits = np.flatnonzero(test)
        if not hits.size:
            continue
        row = int(hits[np.argmax(finite[hits])] if above else hits[np.argmin(finite[hits])])
        extreme = (finite[row] - 1) if above else -finite[row]
        noise = "within" if severity == "warning" else "beyond"
        message = (
            f"{hits.size} {value.name} value(s) {what} (the furthest {100 * extreme:.3g}% "
            f"{'above 100%' if above else 'below 0'}: {where(row)}), {noise} the tolerance for measurement "
            f"noise ({100 * (tol.above if above else tol.below):g}%)"
        )
        hint = "set [tool.obscal.curves] in the package's pyproject.toml or obscal.toml to change the tolerance"
        getattr(ctx, severity)("curve", message, line=ctx.row_line(row), hint=hint, rule=rule)
