"""A parsed calibration file: the one source record a :class:`~obscal.model.calibration.Calibration` keeps.

A reader (one per format, :mod:`obscal.io`) fills it: the metadata, the values (tables, or the nested
mapping of a YAML/JSON file), where each key and row is in the file, and what the format needs to
write the same file again (its name, the PropertyList form of the metadata, what a FITS file carried).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from obscal.model.lines import LineIndex
from obscal.model.table import Table


@dataclass
class Document:
    """What a reader made of one file.

    Attributes
    ----------
    path : Path
        The file (for a FITS file: the FITS file; its text name is ``name``).
    format : str
        The text format the values are held in: ``ecsv``, ``yaml`` or ``json``.
    metadata : dict
        The header keywords, in file order.
    tables, content
        The values: tables (ECSV), or the nested mapping (YAML/JSON; ``metadata`` included).
    lines : LineIndex or None
        Lines of keys and items, for messages.
    metadata_form : str
        ``mapping``, or ``propertylist`` for the ``lsst.daf.base.PropertyList`` encoding.
    propertylist_types : dict
        The PropertyList type of each key (kept so that a writer gives the same types back).
    name : str or None
        The file name of the text form (differs from ``path.name`` for a FITS file).
    fits : Any
        What a FITS file held besides the calibration (stamps, provenance), when read from one.
    """

    path: Path
    format: str
    metadata: dict
    tables: list[Table] = field(default_factory=list)
    content: dict | None = None
    lines: LineIndex | None = None
    metadata_form: str = "mapping"
    propertylist_types: dict[str, str] = field(default_factory=dict)
    name: str | None = None
    fits: Any = None

    def schema_instance(self) -> dict:
        """What the JSON Schemas describe: metadata plus column declarations, or the whole mapping."""
        if self.tables:
            table = self.tables[0]
            columns = {}
            for col in table.columns:
                decl = {"datatype": col.datatype}
                if col.unit is not None:
                    decl["unit"] = col.unit
                if col.subtype is not None:
                    decl["subtype"] = col.subtype
                columns[col.name] = decl
            return {"metadata": self.metadata, "columns": columns}
        return self.content if self.content is not None else {"metadata": self.metadata}

    def line_of(self, path: list | tuple) -> int | None:
        """The line in the file of a JSON-pointer-like path (``["metadata", "DETECTOR"]``)."""
        if not path:
            return None
        if self.tables:
            table = self.tables[0]
            meta_line = table.lines.line_of(table.header, ["meta"]) if table.lines else None
            if path[0] == "metadata":
                return (table.meta_line(path[1]) if len(path) > 1 else None) or meta_line
            if path[0] == "columns":
                first = next(iter(table.column_lines.values()), None)
                return table.column_lines.get(path[1], first) if len(path) > 1 else first
            if path[0] == "rows" and len(path) > 1 and isinstance(path[1], int) and path[1] < len(table.row_lines):
                return table.row_lines[path[1]]
            return None
        return self.lines.line_of(self.content, list(path)) if self.lines else None
