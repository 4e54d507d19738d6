"""The in-memory table of a calibration: columns with ECSV declarations, metadata, and where rows are.

Format-neutral: the ECSV reader fills one, the FITS reader fills one, writers serialise one. Array
cells (``subtype: float64[16]``) hold one numpy array per row.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from obscal.model.lines import LineIndex

SERIALIZED_COLUMNS = "__serialized_columns__"
NUMERIC_DATATYPES = frozenset({
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64",
})  # fmt: skip
DATATYPES = NUMERIC_DATATYPES | {"bool", "string"}
SUBTYPE = re.compile(r"^(?P<base>[a-z0-9]+)(?:\[(?P<shape>[0-9a-z, ]*)\])?$")


@dataclass
class Column:
    """One ECSV column: its declaration and its values.

    ``data`` is a 1-D numpy array, or for array-valued cells (``subtype``) a list of 1-D arrays.
    """

    name: str
    datatype: str
    data: Any
    unit: str | None = None
    description: str | None = None
    subtype: str | None = None
    extra: dict = field(default_factory=dict)

    @property
    def is_array(self) -> bool:
        """Whether the cells are arrays (a numeric ``subtype``)."""
        return self.subtype is not None and SUBTYPE.match(self.subtype) is not None and self.subtype != "json"

    def declaration(self) -> dict:
        """The column's ECSV declaration."""
        out: dict = {"name": self.name}
        if self.unit is not None:
            out["unit"] = self.unit
        out["datatype"] = self.datatype
        if self.subtype is not None:
            out["subtype"] = self.subtype
        if self.description is not None:
            out["description"] = self.description
        out.update(self.extra)
        return out


@dataclass
class Table:
    """A table as read from (or to be written to) ECSV: columns, metadata and where things are."""

    columns: list[Column]
    meta: dict
    ecsv_version: str = "1.0"
    serialized_columns: dict | None = None
    lines: LineIndex | None = None
    header: dict | None = None
    row_lines: list[int] = field(default_factory=list)
    column_lines: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.columns[0].data) if self.columns else 0

    @property
    def colnames(self) -> list[str]:
        """The column names in order."""
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column | None:
        """The column called ``name``, or None."""
        for col in self.columns:
            if col.name == name:
                return col
        return None

    def __getitem__(self, name: str) -> Any:
        col = self.column(name)
        if col is None:
            raise KeyError(name)
        return col.data

    def meta_line(self, key: str) -> int | None:
        """The line of a metadata key in the file read, or None."""
        return self.lines.line_of(self.header, ["meta", key]) if self.lines and self.header else None
