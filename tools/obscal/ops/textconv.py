"""``obscal textconv FILE``: a calibration as aligned, line-per-value text, for ``git diff`` to compare.

With ``.gitattributes`` marking calibrations ``diff=obscal`` and ``git config diff.obscal.textconv
"obscal textconv"``, a plain ``git diff`` shows one metadata key per line, tables with aligned columns and
each flattened square matrix (crosstalk) as rows of its matrix, so a changed coefficient is one changed
line instead of one changed 4,000-character line.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from obscal.model import registry
from obscal.model.formats import read_document
from obscal.model.layout import resolve
from obscal.model.problems import ParseError


def _type_of(path: Path, metadata: dict) -> str:
    """The type from the path, or (git hands textconv old versions as temporary files) from OBSTYPE."""
    try:
        return resolve(path.absolute(), registry.dimensions()).calib_type
    except ParseError:
        pass
    obstype = str(metadata.get("OBSTYPE", "")).lower()
    for name, cls in sorted(registry.load_types().items()):
        if cls.expected_obstype(name).lower() == obstype:
            return name
    raise ParseError(f"cannot tell the calibration type (OBSTYPE {obstype!r})")


def _cell(value) -> str:
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value)


def _matrix(name: str, values, note: str = "") -> list[str]:
    flat = np.asarray(values).ravel()
    n = math.isqrt(flat.size)
    if n * n != flat.size or n < 2:
        return [f"{name}: " + " ".join(_cell(v) for v in flat)]
    cells = [_cell(v) for v in flat]
    width = max(len(c) for c in cells)
    out = [f"{name} ({n} x {n}{note}):"]
    for i in range(n):
        out.append(f"  [{i:2d}] " + " ".join(c.rjust(width) for c in cells[i * n : (i + 1) * n]))
    return out


def textconv(path: str | Path) -> str:
    """The readable text of one calibration file (unreadable files as they are, with a note).

    Raises
    ------
    OSError
        The file cannot be read.
    """
    path = Path(path)
    try:
        doc = read_document(path)
        calib_type = _type_of(path, doc.metadata)
        calib = registry.load_types()[calib_type].from_document(doc, calib_type)
    except (ParseError, KeyError) as exc:
        why = exc.message if isinstance(exc, ParseError) else f"unknown type {exc}"
        return f"# obscal textconv: cannot read ({why}); raw text follows\n" + path.read_text(errors="replace")
    out = [f"# {calib_type}", "## metadata"]
    for key, value in calib.getMetadata().items():
        if isinstance(value, list):
            out.append(f"{key}:")
            out += [f"  - {item}" for item in value]
        else:
            out.append(f"{key}: {value!r}")
    for t, table in enumerate(calib.tables()):
        out.append(f"## table {t}" if len(calib.tables()) > 1 else "## table")
        plain = [c for c in table.columns if not c.is_array]
        if plain:
            cells = [[c.name for c in plain]] + [[_cell(c.data[r]) for c in plain] for r in range(len(table))]
            widths = [max(len(row[k]) for row in cells) for k in range(len(plain))]
            out += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells]
        for col in table.columns:
            if col.is_array:
                for r in range(len(table)):
                    name = f"{col.name}[row {r}]" if len(table) > 1 else col.name
                    out += _matrix(name, col.data[r], ", row = source amplifier" if col.name.startswith("CT_") else "")
    content = calib.toDict() if not calib.tables() else {}
    for key, value in content.items():
        if key == "metadata":
            continue
        out.append(f"## {key}")
        out += _nested(value, "  ")
    return "\n".join(out) + "\n"


def _nested(value, indent: str) -> list[str]:
    """Nested content one value per line (long number lists as matrices or rows)."""
    if _flat_numbers(value):
        return [indent + line for line in _matrix("values", value)]
    if isinstance(value, dict):
        lines = []
        for key, item in value.items():
            if isinstance(item, dict | list):
                lines.append(f"{indent}{key}:")
                lines += _nested(item, indent + "  ")
            else:
                lines.append(f"{indent}{key}: {item!r}")
        return lines
    if isinstance(value, list):
        lines = []
        for item in value:
            lines.append(f"{indent}-")
            lines += _nested(item, indent + "  ")
        return lines
    return [f"{indent}{value!r}"]


def _flat_numbers(value) -> bool:
    return (
        isinstance(value, list)
        and len(value) > 3
        and all(type(v) in (int, float) for v in (value if len(value) < 64 else value[:64]))
    )
