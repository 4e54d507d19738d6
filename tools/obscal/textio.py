"""Read a calibration text file (ECSV, YAML or JSON) into a :class:`Document`, and write one back."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import ecsv, safeyaml
from .problems import ParseError

PROPERTYLIST_TYPES = {
    "Bool", "Short", "Int", "Long", "LongLong", "UnsignedLongLong", "Float", "Double", "String", "DateTime",
    "PropertySet", "Undef",
}  # fmt: skip
MAX_BYTES = 256 * 1024 * 1024


@dataclass
class Document:
    """A parsed calibration file: its metadata and either tables (ECSV) or a mapping (YAML/JSON)."""

    path: Path
    format: str
    metadata: dict
    tables: list[ecsv.Table] = field(default_factory=list)
    content: dict | None = None
    lines: safeyaml.LineIndex | None = None
    metadata_form: str = "mapping"
    propertylist_types: dict[str, str] = field(default_factory=dict)

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
        assert self.content is not None
        return self.content

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


def _decode(path: Path, data: bytes) -> str:
    if not data.strip():
        raise ParseError("the file is empty", line=1, hint="restore its content from git, or delete it")
    if b"\x00" in data[:65536]:
        raise ParseError("the file is binary, not text", line=1, hint="calibrations are kept as ECSV or YAML text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ParseError(
            f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})",
            line=line,
            hint="save the file as UTF-8",
        ) from None


def _from_propertylist(rows: list, index: safeyaml.LineIndex) -> tuple[dict, dict[str, str]]:
    out: dict = {}
    types: dict[str, str] = {}
    for i, row in enumerate(rows):
        line = index.line_of(rows, [i])
        if not (isinstance(row, list) and len(row) == 4 and isinstance(row[0], str)):
            raise ParseError("a PropertyList entry must be [name, type, value, comment]", line=line)
        name, typ, value, _comment = row
        if typ not in PROPERTYLIST_TYPES:
            raise ParseError(f"unknown PropertyList type {typ!r} for {name!r}", line=line)
        if name in out:
            raise ParseError(f"duplicate metadata key {name!r}", line=line)
        out[name] = value
        types[name] = typ
        index.record(out, name, (line or 1) - 1 - index.offset)
    return out, types


def _reject_duplicate_pairs(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ParseError(f"duplicate key {key!r}")
        out[key] = value
    return out


def read_document(path: Path, data: bytes | None = None) -> Document:
    """Parse one file (or ``data``, its bytes read elsewhere, e.g. from git); raise :class:`ParseError`."""
    try:
        size = len(data) if data is not None else path.stat().st_size
        if size > MAX_BYTES:
            raise ParseError(f"the file is too large ({size} bytes) for a curated calibration")
        text = _decode(path, data if data is not None else path.read_bytes())
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}") from None
    suffix = path.suffix.lower()
    if suffix == ".ecsv":
        table = ecsv.read(text)
        return Document(path, "ecsv", table.meta, tables=[table], lines=table.lines)
    if suffix in (".yaml", ".yml"):
        content, index = safeyaml.load(text)
        fmt = "yaml"
    elif suffix == ".json":
        try:
            content = json.loads(text, object_pairs_hook=_reject_duplicate_pairs)
        except json.JSONDecodeError as exc:
            raise ParseError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
        index, fmt = safeyaml.LineIndex(), "json"
    else:
        raise ParseError(f"unsupported file type {suffix!r}", hint="calibrations are .ecsv, .yaml or .json")
    if not isinstance(content, dict):
        raise ParseError("the top level of a calibration file must be a mapping", line=1)
    metadata = content.get("metadata")
    form, types = "mapping", {}
    if isinstance(metadata, safeyaml.PropertyListData):
        new, types = _from_propertylist(metadata, index)
        original, content = content, dict(content)
        index.alias(original, content)
        content["metadata"] = new
        metadata, form = new, "propertylist"
    if not isinstance(metadata, dict):
        raise ParseError(
            "the file has no 'metadata' mapping",
            line=index.line_of(content, ["metadata"]) or 1,
            hint="YAML calibrations keep their header keywords under a top-level 'metadata' key",
        )
    return Document(path, fmt, metadata, content=content, lines=index, metadata_form=form, propertylist_types=types)


# ------------------------------------------------------------------------------------------ writing


class _Dumper(yaml.SafeDumper):
    pass


def _represent_propertylist(dumper: yaml.SafeDumper, data: safeyaml.PropertyListData) -> yaml.Node:
    return dumper.represent_sequence("lsst.daf.base.PropertyList", list(data))


_Dumper.add_representer(safeyaml.PropertyListData, _represent_propertylist)
_Dumper.add_representer(safeyaml.TaggedMapping, lambda d, m: d.represent_mapping(m.tag, dict(m)))


def _plain(value: Any) -> Any:
    """numpy scalars and arrays to plain Python values for YAML."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, safeyaml.TaggedMapping):
        out = safeyaml.TaggedMapping({k: _plain(v) for k, v in value.items()})
        out.tag = value.tag
        return out
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, safeyaml.PropertyListData):  # keeps its lsst.daf.base.PropertyList tag
        return safeyaml.PropertyListData(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_propertylist(metadata: dict, types: dict[str, str]) -> safeyaml.PropertyListData:
    rows = safeyaml.PropertyListData()
    for key, value in metadata.items():
        typ = types.get(key) or _guess_type(value)
        rows.append([key, typ, value, ""])
    return rows


def _guess_type(value: Any) -> str:
    if value is None:
        return "Undef"
    if isinstance(value, bool):
        return "Bool"
    if isinstance(value, int):
        return "Int" if -(2**31) <= value < 2**31 else "LongLong"
    if isinstance(value, float):
        return "Double"
    if isinstance(value, list) and value:
        return _guess_type(value[0])
    return "String"


def dump_yaml(content: dict) -> str:
    return yaml.dump(
        _plain(content), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100
    )


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, ``\n`` line ends) to ``path`` so that the file appears whole or not at all."""
    write_atomic_bytes(path, text.encode("utf-8"))


def write_atomic_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
