"""Conversion between obscal's light tables and ``astropy.table.Table`` (imported only here)."""

from __future__ import annotations

from typing import Any

import numpy as np

from obscal.model.table import SERIALIZED_COLUMNS, Column, Table


def to_astropy(table: Table, metadata: dict) -> Any:
    """An astropy Table with the same columns (array cells as vector columns) and ``meta``."""
    from astropy.table import Column, Table

    out = Table(meta=dict(metadata))
    for col in table.columns:
        if col.is_array:
            lengths = {len(v) for v in col.data}
            data = np.array(col.data) if len(lengths) == 1 and col.data else np.array(col.data, dtype=object)
        else:
            data = col.data
        out.add_column(Column(data, name=col.name, unit=col.unit or None, description=col.description))
    return out


def from_astropy(table: Any) -> Table:
    """An obscal table from an astropy Table (vector columns become JSON-array cells)."""
    columns = []
    for name in table.colnames:
        col = table[name]
        unit = None if col.unit is None else col.unit.to_string()
        data = np.asarray(col)
        if data.dtype == object or data.ndim > 1:
            cells = [np.asarray(v) for v in data]
            base = "bool" if cells and cells[0].dtype == np.bool_ else (cells[0].dtype.name if cells else "float64")
            lengths = {c.size for c in cells}
            shape = str(lengths.pop()) if len(lengths) == 1 else "null"
            columns.append(Column(name, "string", cells, unit=unit, subtype=f"{base}[{shape}]"))
            continue
        if data.dtype.kind in "US":
            datatype, data = "string", data.astype(str)
        elif data.dtype.kind == "b":
            datatype = "bool"
        else:
            datatype = data.dtype.name
        columns.append(Column(name, datatype, data, unit=unit, description=col.description or None))
    meta = {k: v for k, v in table.meta.items() if k != SERIALIZED_COLUMNS}
    return Table(columns, meta)
