"""Read and write ECSV (the Enhanced Character Separated Values format) without astropy.

The reader accepts every variant in use by the LSST data packages (ECSV 0.9 and 1.0, the four
``meta`` styles, JSON-array cells with ``NaN``, ``__serialized_columns__`` with astropy's unit tags,
comment lines in the data section, empty tables) and keeps the line of every row and header key.
The writer produces ECSV 1.0 text that astropy (and so the LSST pipelines) read back, with floats
written in their shortest form that reads back to the same bits.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import yaml

from obscal.io import safeyaml
from obscal.model.document import Document
from obscal.model.lines import LineIndex
from obscal.model.problems import ParseError
from obscal.model.table import DATATYPES, SERIALIZED_COLUMNS, SUBTYPE, Column, Table
from obscal.model.tagged import ASTROPY_UNIT_TAG, SERIALIZED_COLUMN_TAG, WRITABLE_TAGS, TaggedMapping

if TYPE_CHECKING:
    from obscal.model.calibration import Calibration

#: The most columns a table may declare (LSST calibration tables have fewer than 40).
MAX_COLUMNS = 1000
_TRUE = {"True", "true", "TRUE", "1"}
_FALSE = {"False", "false", "FALSE", "0"}


# ------------------------------------------------------------------------------------------ reading


def read(text: str) -> Table:
    """Parse ECSV text; raise :class:`ParseError` with a line number for anything malformed."""
    lines = text.split("\n")
    first = lines[0].rstrip("\r")
    match = re.match(r"^# %ECSV (\d+\.\d+)\s*$", first)
    if not match:
        raise ParseError(
            "not an ECSV file: the first line must be '# %ECSV <version>'",
            line=1,
            hint="ECSV files start with '# %ECSV 1.0' followed by a '# ---' YAML header",
        )
    version = match.group(1)
    if version not in ("0.9", "1.0"):
        raise ParseError(f"unsupported ECSV version {version}", line=1, hint="use ECSV 1.0 (0.9 is read too)")

    header_lines: list[str] = []
    i = 1
    while i < len(lines) and lines[i].startswith("#"):
        raw = lines[i].rstrip("\r")
        if raw == "#":
            header_lines.append("")
        elif raw.startswith("# "):
            header_lines.append(raw[2:])
        else:
            raise ParseError("header lines must start with '# '", line=i + 1)
        i += 1
    if not header_lines or header_lines[0].strip() != "---":
        raise ParseError("missing the '# ---' line that opens the YAML header", line=2)
    fast = _flow_header(header_lines)
    header, index = fast if fast is not None else safeyaml.parse("\n".join(header_lines), line_offset=1)
    if not isinstance(header, dict):
        raise ParseError("the ECSV header must be a YAML mapping with 'datatype' and 'meta'", line=2)
    unknown = set(header) - {"datatype", "meta", "schema", "delimiter"}
    if unknown:
        key = sorted(unknown)[0]
        raise ParseError(
            f"unknown ECSV header key {key!r}",
            line=index.line_of(header, [key]),
            hint="the header may hold 'datatype', 'meta', 'schema' and 'delimiter'",
        )
    decls = header.get("datatype")
    if not isinstance(decls, list) or not decls:
        raise ParseError("the ECSV header has no 'datatype' list of columns", line=2)
    if len(decls) > MAX_COLUMNS:
        raise ParseError(
            f"the table declares {len(decls)} columns (at most {MAX_COLUMNS})",
            line=index.line_of(header, ["datatype"]),
            hint="curated calibration tables have a few dozen columns at most",
        )
    meta = header.get("meta") or {}
    if not isinstance(meta, dict):
        raise ParseError("'meta' must be a mapping", line=index.line_of(header, ["meta"]))
    safeyaml.check_metadata_keys(meta, index, header, ["meta"])
    delimiter = header.get("delimiter", " ")
    if delimiter not in (" ", ","):
        raise ParseError("delimiter must be ' ' or ','", line=index.line_of(header, ["delimiter"]))
    serialized = meta.pop(SERIALIZED_COLUMNS, None)
    if serialized is not None:
        index.alias(header["meta"], meta)

    columns = [_declared_column(d, k, header, index) for k, d in enumerate(decls)]
    column_lines = {c.name: index.line_of(header, ["datatype", k]) or 0 for k, c in enumerate(columns)}

    # Data section: the first non-comment line names the columns, then the rows.
    declared = [c.name for c in columns]
    body = _plain_body(lines, i, delimiter, len(columns)) if delimiter == " " else None
    names_seen, cells, row_lines = body or _general_body(lines, i, delimiter, declared)
    if names_seen[1] != declared:
        raise ParseError(
            f"the column-name line {names_seen[1]} does not match the header's columns {declared}",
            line=names_seen[0],
        )
    for col, values in zip(columns, cells, strict=False):
        col.data = _convert(col, list(values), row_lines)
    return Table(
        columns=columns,
        meta=meta,
        ecsv_version=version,
        serialized_columns=serialized,
        lines=index,
        header=header,
        row_lines=row_lines,
        column_lines=column_lines,
    )


def _general_body(lines: list[str], start: int, delimiter: str, declared: list[str]) -> tuple:
    """The data section read line by line with the csv module (quotes, comments, blank lines, CR): returns
    ``((line, names), columns, row_lines)`` like :func:`_plain_body`, or raises at the offending line."""
    rows: list[list[str]] = []
    row_lines: list[int] = []
    names_seen = None
    reader_lines = []
    for n in range(start, len(lines)):
        line = lines[n].rstrip("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        reader_lines.append((n + 1, line))
    parsed = csv.reader((ln for _, ln in reader_lines), delimiter=delimiter, quotechar='"', strict=True)
    try:
        for (lineno, _), fields in zip(reader_lines, parsed, strict=False):
            if names_seen is None:
                names_seen = (lineno, fields)
                continue
            rows.append(fields)
            row_lines.append(lineno)
    except csv.Error as exc:
        raise ParseError(f"cannot split the data line: {exc}", line=reader_lines[parsed.line_num - 1][0]) from None
    if names_seen is None:
        raise ParseError(
            "the data section has no line naming the columns",
            line=len(lines),
            hint="after the header, write the column names separated by spaces: " + " ".join(declared),
        )
    if names_seen[1] == declared:  # a wrong name line is reported by the caller
        ncol = len(declared)
        for fields, lineno in zip(rows, row_lines, strict=False):
            if len(fields) != ncol:
                raise ParseError(
                    f"this row has {len(fields)} values but the table has {ncol} columns",
                    line=lineno,
                    hint="values are separated by single spaces; quote strings that contain spaces",
                )
    cells = list(zip(*rows, strict=False)) if rows else [() for _ in declared]
    return names_seen, cells, row_lines


# ------------------------------------------------------------------------------------------ header fast path
#
# Most ECSV headers are written by astropy or obscal in one form: `datatype:` and `meta: !!omap` followed by
# one flow mapping per line. _flow_header reads that form directly, to the same values and lines as the
# YAML loader; anything else in it (a double-quoted string, a nested value, a timestamp-like scalar, a
# duplicate key) sends the whole header to the loader. The lines after the flow items of `meta` (astropy's
# `__serialized_columns__`) are parsed by the loader and appended.

_RESOLVER = yaml.resolver.Resolver()
_BOOLS = {"yes": True, "no": False, "true": True, "false": False, "on": True, "off": False}
_NULLS = {"null", "Null", "NULL", "~"}
_PLAIN = re.compile(r"[^,\[\]{}#'\"&*!|>%@`\s][^,\[\]{}\"]*?")


class _NotFlowError(Exception):
    """The header is not in the simple flow form: read it with the YAML loader."""


def _scalar(text: str, quoted: bool) -> Any:
    if quoted:
        return text
    if text in _NULLS:
        return None
    low = text.lower()
    if low in _BOOLS and text in (low, low.capitalize(), low.upper()):
        return _BOOLS[low]
    if safeyaml._DECIMAL_INT.fullmatch(text):
        return int(text)
    if safeyaml._DECIMAL_FLOAT.fullmatch(text):
        return float(text)
    if _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) != "tag:yaml.org,2002:str":
        raise _NotFlowError  # a timestamp, an octal, .inf ...: what the loader decides
    if ": " in text or text.endswith(":") or " #" in text:
        raise _NotFlowError
    return text


def _flow_value(text: str, i: int) -> tuple[Any, int]:
    """One value of a flow mapping starting at ``text[i]``: a scalar, a quoted string or a list of scalars."""
    if text.startswith("'", i):
        out, j = [], i + 1
        while True:
            k = text.find("'", j)
            if k < 0:
                raise _NotFlowError
            out.append(text[j:k])
            if text.startswith("''", k):
                out.append("'")
                j = k + 2
                continue
            return "".join(out), k + 1
    if text.startswith("[", i):
        items, j = [], i + 1
        if text.startswith("]", j):
            return items, j + 1
        while True:
            value, j = _flow_value(text, j)
            if isinstance(value, list):
                raise _NotFlowError
            items.append(value)
            if text.startswith(", ", j):
                j += 2
            elif text.startswith("]", j):
                return items, j + 1
            else:
                raise _NotFlowError
    match = _PLAIN.match(text, i)
    if match is None:
        raise _NotFlowError
    end = match.end()
    while end < len(text) and text[end] not in ",]}":
        end += 1
    raw = text[i:end].rstrip()
    if not raw or "'" in raw or '"' in raw:
        raise _NotFlowError
    return _scalar(raw, False), i + len(raw)


def _flow_mapping(text: str) -> list[tuple[Any, Any]]:
    """The pairs of ``{k: v, ...}`` (a whole line); raises :class:`_NotFlowError` for anything else."""
    if not (text.startswith("{") and text.endswith("}")):
        raise _NotFlowError
    pairs, i = [], 1
    while True:
        colon = text.find(": ", i)
        if colon < 0:
            raise _NotFlowError
        key_text = text[i:colon]
        if key_text.startswith("'") and key_text.endswith("'") and len(key_text) >= 2:
            key = key_text[1:-1].replace("''", "'")
        else:
            if not key_text or _PLAIN.fullmatch(key_text) is None or key_text != key_text.strip():
                raise _NotFlowError
            key = _scalar(key_text, False)
        raw_value = text[colon + 2 :]
        if raw_value.startswith(("'", "[")) or _PLAIN.match(raw_value):
            value, j = _flow_value(text, colon + 2)
            quoted = text[colon + 2] == "'"
            if not quoted and isinstance(value, str) and value != text[colon + 2 : j]:
                raise _NotFlowError
        else:
            raise _NotFlowError
        pairs.append((key, value))
        if text.startswith(", ", j):
            i = j + 2
        elif j == len(text) - 1:
            return pairs
        else:
            raise _NotFlowError


#: The last few meta tails parsed (astropy's `__serialized_columns__` blocks repeat from file to file).
_TAILS: dict[str, tuple[Any, LineIndex, int]] = {}


def _tail(text: str, offset: int) -> tuple[Any, LineIndex]:
    """The loader's reading of a meta tail; a text seen before is copied (with its lines) instead of re-parsed."""
    cached = _TAILS.get(text)
    if cached is None:
        value, index = safeyaml.parse(text, line_offset=offset)
        if len(_TAILS) >= 16:
            _TAILS.pop(next(iter(_TAILS)))
        cached = _TAILS[text] = (value, index, offset)
    value, index, at = cached
    fresh = copy.deepcopy(value)
    return fresh, index.copied(value, fresh, offset - at)


def _flow_header(header_lines: list[str]) -> tuple[dict, LineIndex] | None:
    """The header read from its flow form, with the lines the loader would record; None for any other form."""
    index = LineIndex(1)
    header: dict = {}
    mode = None
    try:
        for j, line in enumerate(header_lines):
            if j == 0:
                if line != "---":
                    return None
                continue
            if line == "datatype:" and "datatype" not in header:
                header["datatype"] = []
                index.record(header, "datatype", j)
                mode = "datatype"
            elif line == "meta: !!omap" and "meta" not in header:
                header["meta"] = {}
                index.record(header, "meta", j)
                mode = "meta"
            elif line.startswith("schema: ") and "schema" not in header:
                header["schema"] = _scalar(line[8:], False)
                index.record(header, "schema", j)
                mode = None
            elif line.startswith("- {") and mode == "datatype":
                decl: dict = {}
                for key, value in _flow_mapping(line[2:]):
                    if key in decl:
                        return None
                    decl[key] = value
                    index.record(decl, key, j)
                index.record(header["datatype"], len(header["datatype"]), j)
                header["datatype"].append(decl)
            elif line.startswith("- {") and mode == "meta":
                pairs = _flow_mapping(line[2:])
                if len(pairs) != 1 or pairs[0][0] in header["meta"]:
                    return None
                header["meta"][pairs[0][0]] = pairs[0][1]
                index.record(header["meta"], pairs[0][0], j)
            elif line.startswith("- ") and mode == "meta":
                end = j + 1
                while end < len(header_lines) and header_lines[end].startswith("  "):
                    end += 1
                tail, tail_index = _tail("\n".join(header_lines[j:end]), 1 + j)
                if not isinstance(tail, list) or len(tail) != 1 or not isinstance(tail[0], dict) or len(tail[0]) != 1:
                    return None
                [(key, value)] = tail[0].items()
                if key in header["meta"]:
                    return None
                header["meta"][key] = value
                index.record(header["meta"], key, j)
                index.merge(tail_index)
                remaining = header_lines[end:]
                if any(not ln.startswith("schema: ") for ln in remaining) or len(remaining) > 1:
                    return None
                if remaining:
                    header["schema"] = _scalar(remaining[0][8:], False)
                    index.record(header, "schema", end)
                return header, index
            else:
                return None
    except (_NotFlowError, ParseError, RecursionError):
        return None
    return header, index


def _plain_body(lines: list[str], start: int, delimiter: str, ncol: int) -> tuple | None:
    """The data section split in bulk, for the common form: no quotes, no comments, no blank or CR-ended
    line inside, every row with ``ncol`` fields. Returns ``((line, names), columns, row_lines)``, or None
    for anything else (the general reader then says exactly what is wrong, and where)."""
    body = lines[start:]
    while body and not body[-1]:
        body.pop()  # the newline that ends the file
    if len(body) < 2:
        return None
    text = "\n".join(body)
    if '"' in text or "#" in text or "\r" in text or "\n\n" in text or "\n " in "\n" + text:
        return None  # quotes, comments, CR, blank lines or lines starting with a space: the general reader
    names = body[0].split(delimiter)
    if len(names) != ncol:
        return None
    rows = body[1:]
    joined = "\n".join(rows)
    # Every row must hold ncol - 1 separators: counted for all rows at once on the bytes.
    raw = np.frombuffer((joined + "\n").encode("utf-8"), dtype=np.uint8)
    separators = np.cumsum(raw == ord(delimiter))[raw == 10]
    if np.any(np.diff(separators, prepend=0) != ncol - 1):
        return None
    tokens = joined.replace("\n", delimiter).split(delimiter)
    cells = [tokens[k::ncol] for k in range(ncol)]
    first = start + 2  # the 1-based line of the first row
    return (start + 1, names), cells, list(range(first, first + len(rows)))


def _declared_column(decl: Any, k: int, header: dict, index: LineIndex) -> Column:
    line = index.line_of(header, ["datatype", k])
    if not isinstance(decl, dict) or "name" not in decl:
        raise ParseError(f"column declaration #{k + 1} must be a mapping with a 'name'", line=line)
    name = decl["name"]
    datatype = decl.get("datatype")
    if datatype not in DATATYPES:
        raise ParseError(
            f"column {name!r} has unsupported datatype {datatype!r}",
            line=line,
            hint="use one of " + ", ".join(sorted(DATATYPES)),
        )
    subtype = decl.get("subtype")
    if subtype is not None and (datatype != "string" or not _valid_subtype(str(subtype))):
        raise ParseError(
            f"column {name!r} has an unsupported subtype {str(subtype)[:60]!r}",
            line=line,
            hint="a subtype is json, or a base type with a shape of whole numbers or null, e.g. float64[16]",
        )
    extra = {k2: v for k2, v in decl.items() if k2 not in ("name", "datatype", "unit", "description", "subtype")}
    unit = decl.get("unit")
    return Column(
        name=str(name),
        datatype=datatype,
        data=None,
        unit=None if unit is None else str(unit),
        description=decl.get("description"),
        subtype=None if subtype is None else str(subtype),
        extra=extra,
    )


def _bad_value(col: Column, values: list[str], row_lines: list[int], test) -> ParseError:
    for value, lineno in zip(values, row_lines, strict=False):
        if not test(value):
            return ParseError(
                f"column {col.name!r}: {value[:60]!r} is not a valid {col.subtype or col.datatype} value",
                line=lineno,
                pointer=f"/columns/{col.name}",
            )
    return ParseError(f"column {col.name!r}: invalid values", pointer=f"/columns/{col.name}")


def _cells(col: Column, values: list[str], row_lines: list[int], parse: Any, what: str) -> list:
    """Each cell of ``col`` parsed by ``parse``; the first that fails is a :class:`ParseError` at its line."""
    out = []
    for value, lineno in zip(values, row_lines, strict=False):
        try:
            out.append(parse(value))
        except (ValueError, TypeError, OverflowError, RecursionError) as exc:
            why = f" ({exc})" if isinstance(exc, _CellError) else ""
            raise ParseError(
                f"column {col.name!r}: the cell {value[:60]!r} is not {what}{why}",
                line=lineno,
                pointer=f"/columns/{col.name}",
            ) from None
    return out


class _CellError(ValueError):
    """Why a well-formed cell is refused (said in the message)."""


def _array(value: str, base: str, shape: tuple[int | None, ...] | None) -> Any:
    items = json.loads(value)
    if not isinstance(items, list):
        raise ValueError("not an array")
    if base.startswith("float"):
        wide = np.array(items, dtype=np.float64)
        with np.errstate(over="ignore"):
            out = wide.astype(base)
        if np.any(np.isfinite(wide) & ~np.isfinite(out)):
            raise _CellError(f"a value overflows {base}")
    else:
        out = np.array(items, dtype=np.bool_ if base == "bool" else base)
    if shape is not None and (
        out.ndim != len(shape) or any(d is not None and d != n for d, n in zip(shape, out.shape, strict=False))
    ):
        declared = ",".join("null" if d is None else str(d) for d in shape)
        raise _CellError(f"its shape {list(out.shape)} is not the declared [{declared}]")
    return out


def _valid_subtype(subtype: str) -> bool:
    match = SUBTYPE.match(subtype)
    if match is None:
        return False
    dims = match.group("shape")
    return not dims or all(d.strip() == "null" or d.strip().isdigit() for d in dims.split(","))


def _declared_shape(subtype: str) -> tuple[int | None, ...] | None:
    """The shape a subtype declares (``float64[4,4]`` -> (4, 4), ``[null]`` -> (None,)), or None for any."""
    match = SUBTYPE.match(subtype)
    dims = match.group("shape") if match else None
    if not dims:
        return None
    return tuple(None if d.strip() == "null" else int(d) for d in dims.split(","))


def _convert(col: Column, values: list[str], row_lines: list[int]) -> Any:
    if col.subtype is not None and col.subtype != "json":
        base = SUBTYPE.match(col.subtype).group("base")  # type: ignore[union-attr]
        shape = _declared_shape(col.subtype)
        return _cells(col, values, row_lines, lambda v: _array(v, base, shape), f"an array of {col.subtype}")
    if col.subtype == "json":
        return _cells(col, values, row_lines, json.loads, "valid JSON (the column's subtype is json)")
    if col.datatype == "string":
        return np.array(values, dtype=str) if values else np.array([], dtype=str)
    if col.datatype == "bool":
        if any(v not in _TRUE and v not in _FALSE for v in values):
            raise _bad_value(col, values, row_lines, lambda v: v in _TRUE or v in _FALSE)
        return np.array([v in _TRUE for v in values], dtype=np.bool_)
    dtype = np.dtype(col.datatype)
    try:
        if dtype.kind == "f":
            wide = np.array([float(v) for v in values], dtype=np.float64)
            with np.errstate(over="ignore"):
                out = wide.astype(dtype)
            overflow = np.flatnonzero(np.isfinite(wide) & ~np.isfinite(out))
            if overflow.size:
                i = int(overflow[0])
                raise ParseError(
                    f"column {col.name!r}: {values[i][:60]!r} overflows {col.datatype} (it would become infinite)",
                    line=row_lines[i] if i < len(row_lines) else None,
                    pointer=f"/columns/{col.name}",
                    hint=f"declare the column float64, or store a value {col.datatype} can hold",
                )
            return out
        return np.array([int(v) for v in values], dtype=dtype)
    except (ValueError, OverflowError):
        convert = float if dtype.kind == "f" else int

        def ok(v: str) -> bool:
            try:
                convert(v)
                return True
            except (ValueError, OverflowError):
                return False

        raise _bad_value(col, values, row_lines, ok) from None


# ------------------------------------------------------------------------------------------ writing


def format_value(value: Any, datatype: str) -> str:
    """One cell, written so that reading it back gives the same bits."""
    if datatype == "string":
        s = str(value)
        if s == "" or any(ch in s for ch in ' "\t,#') or s != s.strip():
            return '"' + s.replace('"', '""') + '"'
        return s
    if datatype == "bool":
        return "True" if value else "False"
    if datatype.startswith("float"):
        if datatype == "float64":
            return repr(float(value))
        return str(np.dtype(datatype).type(value))
    return str(int(value))


def _array_cell(arr: Any) -> str:
    items = np.asarray(arr).tolist()
    return json.dumps(items, separators=(",", ":"), allow_nan=True)


def _dump_flow(obj: Any) -> str:
    return yaml.safe_dump(obj, default_flow_style=True, width=1 << 30, sort_keys=False, allow_unicode=True).strip()


def _dump_scalar(value: Any) -> str:
    return _dump_flow([value])[1:-1]


def write(table: Table) -> str:
    """Serialise a table to ECSV text (deterministic: same table, same bytes)."""
    out = io.StringIO()
    out.write(f"# %ECSV {table.ecsv_version}\n# ---\n# datatype:\n")
    for col in table.columns:
        out.write("# - " + _dump_flow(col.declaration()) + "\n")
    meta = dict(table.meta)
    if not meta and not table.serialized_columns:
        out.write("# meta: {}\n")
    else:
        out.write("# meta: !!omap\n")
        for key, value in meta.items():
            out.write("# - " + _dump_flow({key: value}) + "\n")
        if table.serialized_columns:
            out.write(f"# - {SERIALIZED_COLUMNS}:\n")
            for name, spec in table.serialized_columns.items():
                out.write(f"#     {_dump_scalar(name)}:\n")
                for key, value in spec.items():
                    if isinstance(value, TaggedMapping):
                        if value.tag not in WRITABLE_TAGS:  # only data-only tags, whatever the input held
                            raise ValueError(f"refusing to write the YAML tag {value.tag[:80]!r} (column {name!r})")
                        out.write(f"#       {key}: {value.tag} {_dump_flow(dict(value))}\n")
                    else:
                        out.write(f"#       {key}: {_dump_scalar(value)}\n")
    out.write("# schema: astropy-2.0\n")
    out.write(" ".join(format_value(c.name, "string") for c in table.columns) + "\n")
    formatters = []
    for col in table.columns:
        if col.is_array:
            formatters.append(_array_cell)
        elif col.subtype == "json":
            formatters.append(lambda v: json.dumps(v, separators=(",", ":")))
        else:
            formatters.append(lambda v, dt=col.datatype: format_value(v, dt))
    for i in range(len(table)):
        out.write(" ".join(f(col.data[i]) for f, col in zip(formatters, table.columns, strict=False)) + "\n")
    return out.getvalue()


def quantity_columns(names: list[str], units: dict[str, str]) -> dict:
    """The ``__serialized_columns__`` block that makes astropy read columns back as Quantity."""
    out: dict = {}
    for name in sorted(names):
        unit = TaggedMapping.with_tag(ASTROPY_UNIT_TAG, {"unit": units[name]})
        value = TaggedMapping.with_tag(SERIALIZED_COLUMN_TAG, {"name": name})
        out[name] = {"__class__": "astropy.units.quantity.Quantity", "unit": unit, "value": value}
    return out


# ------------------------------------------------------------------------------------------ format


def load(path: Path, text: str) -> Document:
    """Parse ECSV text into a document (raises :class:`ParseError` with the line)."""
    table = read(text)
    return Document(path, "ecsv", table.meta, tables=[table], lines=table.lines)


def dump(calib: Calibration) -> str:
    """The ECSV text of a one-table calibration.

    Raises
    ------
    ValueError
        The calibration does not hold exactly one table.
    """
    tables = calib.tables()
    if len(tables) != 1:
        raise ValueError(f"{type(calib).__name__} with {len(tables)} tables cannot be written as ECSV")
    table = copy.copy(tables[0])
    table.meta = calib.getMetadata()
    return write(table)
