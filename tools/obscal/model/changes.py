"""How two versions of a calibration differ in their values, in words (for ``obscal diff``).

:func:`table_changes` is what every type gets (the largest change of each numeric column, located by
wavelength and amplifier when the table has them); types with more meaning override
:meth:`~obscal.model.calibration.Calibration.describe_changes` (defects as boxes, crosstalk by amplifier
pair).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from obscal.model.table import Table


def largest_change(old, new) -> tuple[float, float, int] | None:
    """``(absolute, relative, flat index)`` of the largest change between two same-shape arrays (None: none)."""
    try:
        a, b = np.asarray(old, dtype=np.float64).ravel(), np.asarray(new, dtype=np.float64).ravel()
    except (TypeError, ValueError):
        return None
    if a.shape != b.shape or a.size == 0:
        return None
    delta = np.abs(b - a)
    delta[np.isnan(a) & np.isnan(b)] = 0.0
    delta[np.isnan(delta)] = np.inf  # a value became NaN, or stopped being one
    i = int(np.argmax(delta))
    if delta[i] == 0:
        return None
    scale = max(abs(a[i]), abs(b[i]))
    return float(delta[i]), (float(delta[i] / scale) if scale and np.isfinite(scale) else float("inf")), i


def table_changes(old: Table, new: Table) -> list[str]:
    """Row count and, per numeric column, the largest change and where it is."""
    lines = []
    if len(old) != len(new):
        lines.append(f"rows: {len(old)} -> {len(new)}")
    added = [c for c in new.colnames if c not in old.colnames]
    removed = [c for c in old.colnames if c not in new.colnames]
    if added or removed:
        lines.append(f"columns: added {added or '-'}, removed {removed or '-'}")
    if len(old) != len(new):
        return lines
    wave, amps = new.column("wavelength"), new.column("amp_name")
    for col in new.columns:
        before = old.column(col.name)
        if before is None or col.name in ("wavelength", "amp_name"):
            continue
        found = largest_change(before.data if not col.is_array else list(before.data),
                               col.data if not col.is_array else list(col.data))  # fmt: skip
        if found is None:
            continue
        absolute, relative, i = found
        where = f"row {i + 1}" if not col.is_array else f"element {i}"
        if not col.is_array and wave is not None:
            where = f"{float(wave.data[i]):g} {wave.unit or ''}".strip()
            if amps is not None:
                where += f", amplifier {amps.data[i]}"
        unit = f" {col.unit}" if col.unit else ""
        lines.append(f"{col.name}: largest change {absolute:.4g}{unit} ({relative:.2%}) at {where}")
    return lines


def array_changes(name: str, old, new) -> list[str]:
    """The largest change of one numeric array (or that its shape changed)."""
    a, b = np.asarray(old, dtype=object), np.asarray(new, dtype=object)
    if a.shape != b.shape:
        return [f"{name}: shape {list(a.shape)} -> {list(b.shape)}"]
    found = largest_change(old, new)
    if found is None:
        return []
    absolute, relative, i = found
    index = np.unravel_index(i, a.shape) if a.ndim > 1 else (i,)
    return [f"{name}: largest change {absolute:.4g} ({relative:.2%}) at {list(map(int, index))}"]
