"""Small builders for the LSST-layout tables of types kept as YAML (crosstalk, linearizer, bfk)."""

from __future__ import annotations

from typing import Any

import numpy as np

from obscal.model.problems import ObscalError
from obscal.model.table import Column


def array(value: Any, base: str, where: str) -> np.ndarray:
    """``value`` (a YAML list, maybe nested) as a flat numpy array of ``base``.

    Raises
    ------
    ObscalError
        ``value`` is not a list of ``base`` values.
    """
    try:
        return np.asarray(value if value is not None else [], dtype=np.bool_ if base == "bool" else base).ravel()
    except (TypeError, ValueError, OverflowError):
        raise ObscalError(f"{where}: not a list of {base} values") from None


def vector(name: str, cells: list[np.ndarray], base: str) -> Column:
    """A column of array cells (fixed length when all cells agree, else variable)."""
    sizes = {c.size for c in cells}
    shape = str(sizes.pop()) if len(sizes) == 1 else "null"
    return Column(name, "string", cells, subtype=f"{base}[{shape}]")


def scalar(name: str, values: list, datatype: str) -> Column:
    """A column of scalar values of ``datatype``."""
    if datatype == "string":
        return Column(name, "string", np.array([str(v) for v in values], dtype=str))
    return Column(name, datatype, np.asarray(values, dtype=np.bool_ if datatype == "bool" else datatype))


def cells(column: Column | None) -> list:
    """The values of a column as plain Python values (lists for array cells)."""
    if column is None:
        return []
    return [c.tolist() if hasattr(c, "tolist") else c for c in column.data]


def first_non_number(values: object) -> tuple[int, object] | None:
    """The index and value of the first item of a (flat) list that is not a number, or None."""
    if not isinstance(values, list):
        return None
    for i, v in enumerate(values):
        if isinstance(v, bool) or not isinstance(v, int | float):
            if v is None:
                continue  # a null reads as NaN; the finiteness checks say what that means
            return i, v
    return None
