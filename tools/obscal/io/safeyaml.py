"""YAML calibration files: a safe loader, and a writer that emits only data-only tags.

It builds only plain data (dicts, lists, str, int, float, bool, None), rejects duplicate keys and
aliases (so an "exponential alias" document cannot blow up), refuses every language-specific tag
except a few data-only ones found in real LSST files, and remembers the line of every mapping key
so that problems can be reported at their place in the file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from obscal.model.document import Document
from obscal.model.lines import LineIndex
from obscal.model.problems import ParseError
from obscal.model.tagged import (
    ASTROPY_UNIT_TAG,
    BOX2I_TAG,
    POINT2I_TAG,
    PROPERTYLIST_TAG,
    SERIALIZED_COLUMN_TAG,
    TUPLE_TAG,
    WRITABLE_SEQUENCE_TAGS,
    WRITABLE_TAGS,
    PropertyListData,
    TaggedMapping,
    TaggedSequence,
)

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

if TYPE_CHECKING:
    from obscal.model.calibration import Calibration

PROPERTYLIST_TYPES = {
    "Bool", "Short", "Int", "Long", "LongLong", "UnsignedLongLong", "Float", "Double", "String", "DateTime",
    "PropertySet", "Undef",
}  # fmt: skip
#: The deepest nesting a YAML or JSON calibration may have (real ones nest five or six levels).
MAX_DEPTH = 64
PROPERTYLIST_TAGS = ("!<lsst.daf.base.PropertyList>", PROPERTYLIST_TAG, f"tag:yaml.org,2002:{PROPERTYLIST_TAG}")


#: Sequences at least this long are first tried as plain decimal numbers (lookup tables, kernels, curves).
FAST_FROM = 32
_FLOAT = "tag:yaml.org,2002:float"
_INT = "tag:yaml.org,2002:int"
# Strict subsets of YAML 1.1's float and int forms (PyYAML's implicit resolvers): what they match
# resolves, and constructs, the same way through the general path.
_DECIMAL_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?")
_DECIMAL_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")


class _CalibLoader(_Loader):  # type: ignore[misc,valid-type]
    """Safe loader with duplicate-key, alias and tag policing."""

    line_index: LineIndex
    runs: _Runs | None = None

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ParseError(
                "YAML aliases (*name) are not allowed in calibration files",
                line=node.start_mark.line + 1 + self.line_index.offset,
                hint="write the value out in full instead of referring to an anchor",
            )
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:  # input no value can be made of (2024-02-30, ...)
            value = node.value if isinstance(node, yaml.ScalarNode) else ""
            raise ParseError(
                f"{str(value)[:60]!r} is not a valid value ({exc})",
                line=node.start_mark.line + 1 + self.line_index.offset,
                hint="quote it if it is meant as text",
            ) from None

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        if not isinstance(node, yaml.MappingNode):
            raise ParseError("expected a mapping", line=node.start_mark.line + 1 + self.line_index.offset)
        mapping: dict = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise ParseError(
                    "YAML merge keys (<<) are not allowed in calibration files",
                    line=key_node.start_mark.line + 1 + self.line_index.offset,
                )
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise ParseError(
                    "a mapping key must be a plain value", line=key_node.start_mark.line + 1 + self.line_index.offset
                ) from None
            if key in mapping:
                first = self.line_index.first_line(mapping, key)
                raise ParseError(
                    f"duplicate key {key!r}" + (f" (first defined on line {first})" if first else ""),
                    line=key_node.start_mark.line + 1 + self.line_index.offset,
                    hint="each key may appear once; remove or rename one of them",
                )
            mapping[key] = self.construct_object(value_node, deep=True)
            self.line_index.record(mapping, key, key_node.start_mark.line)
        return mapping

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> list:
        if not isinstance(node, yaml.SequenceNode):
            raise ParseError("expected a sequence", line=node.start_mark.line + 1 + self.line_index.offset)
        children = node.value
        if self.runs is not None and any(type(c) is yaml.ScalarNode and c.tag == RUN_TAG for c in children):
            return self._with_runs(children)
        out = _plain_numbers(children) if len(children) >= FAST_FROM else None
        if out is None:
            out = [self.construct_object(child, deep=True) for child in children]
        self.line_index.record_items(out, [child.start_mark.line for child in children])
        return out

    def _with_runs(self, children: list) -> list:
        """A sequence some of whose items stand for numeric runs taken out of the text."""
        out: list = []
        lines: list[int] = []
        for child in children:
            index = self.runs.placeholder(child)
            if index is None:
                if type(child) is yaml.ScalarNode and child.tag == RUN_TAG:
                    raise _PlaceholderMisplacedError
                out.append(self.construct_object(child, deep=True))
                lines.append(child.start_mark.line)
                continue
            self.runs.used.add(index)
            first, values = self.runs.values[index]
            out.extend(values)
            lines.extend(range(first, first + len(values)))
        self.line_index.record_items(out, lines)
        return out


def _plain_numbers(children: list) -> list | None:
    """The values of a sequence of plain decimal numbers, or None when any item is something else.

    The fast path for long numeric arrays: the same values the safe constructor gives, without its
    per-item dispatch. Only scalars typed float or int (by the resolver or an explicit tag), written in
    plain decimal (no ``_``, no octal, hex or sexagesimal forms, no ``.nan``/``.inf``) qualify; any
    other item sends the whole sequence through the general constructor.
    """
    values = []
    append = values.append
    match_float, match_int = _DECIMAL_FLOAT.fullmatch, _DECIMAL_INT.fullmatch
    for child in children:
        if type(child) is not yaml.ScalarNode:
            return None
        tag, text = child.tag, child.value
        if tag == _FLOAT and match_float(text):
            append(float(text))
        elif tag == _INT and match_int(text):
            append(int(text))
        else:
            return None
    return values


def _construct_omap(loader: _CalibLoader, node: yaml.Node) -> dict:
    """``!!omap``: a sequence of one-key mappings, returned as an (ordered) dict."""
    if not isinstance(node, yaml.SequenceNode):
        raise ParseError("!!omap must be a sequence of one-key mappings", line=node.start_mark.line + 1)
    out: dict = {}
    for item in node.value:
        line = item.start_mark.line + 1 + loader.line_index.offset
        if not isinstance(item, yaml.MappingNode) or len(item.value) != 1:
            raise ParseError("each !!omap item must be a mapping with exactly one key", line=line)
        key_node, value_node = item.value[0]
        key = loader.construct_object(key_node, deep=True)
        if key in out:
            raise ParseError(f"duplicate key {key!r}", line=line, hint="each key may appear once")
        out[key] = loader.construct_object(value_node, deep=True)
        loader.line_index.record(out, key, key_node.start_mark.line)
    return out


def _construct_tagged_mapping(tag: str):
    def construct(loader: _CalibLoader, node: yaml.Node) -> TaggedMapping:
        return TaggedMapping.with_tag(tag, loader.construct_mapping(node, deep=True))

    return construct


def _construct_python_tuple(loader: _CalibLoader, node: yaml.Node) -> list:
    items = loader.construct_sequence(node, deep=True)
    out = TaggedSequence.with_tag(TUPLE_TAG, items)
    loader.line_index.alias(items, out)
    return out


def _construct_propertylist(loader: _CalibLoader, node: yaml.Node) -> PropertyListData:
    rows = loader.construct_sequence(node, deep=True)
    out = PropertyListData(rows)
    loader.line_index.alias(rows, out)  # the rows keep their lines, for messages about them
    return out


def _construct_geom(loader: _CalibLoader, suffix: str, node: yaml.Node) -> Any:
    """``!!python/object/apply:lsst.geom.Box2I`` / ``Point2I``: plain lists, nothing is called."""
    name = suffix.split(":", 1)[-1]
    if name not in ("lsst.geom.Box2I", "lsst.geom.Point2I"):
        return _refuse_tag(loader, node)
    if isinstance(node, yaml.SequenceNode):
        args: Any = loader.construct_sequence(node, deep=True)
    else:
        args = loader.construct_mapping(node, deep=True).get("args", [])

    def point(value: Any) -> bool:
        return isinstance(value, list) and len(value) == 2 and all(type(v) is int for v in value)

    if not (
        point(args)
        if name == "lsst.geom.Point2I"
        else isinstance(args, list) and len(args) == 2 and all(map(point, args))
    ):
        raise ParseError(
            f"a {name.rsplit('.', 1)[-1]} must hold "
            + ("two integers" if name.endswith("Point2I") else "two points of two integers"),
            line=node.start_mark.line + 1 + loader.line_index.offset,
            hint="e.g. !!python/object/apply:lsst.geom.Box2I [[0, 0], [1023, 4095]] (inclusive corners)",
        )
    tag = BOX2I_TAG if name == "lsst.geom.Box2I" else POINT2I_TAG
    if tag == BOX2I_TAG:
        args = [a if isinstance(a, TaggedSequence) else TaggedSequence.with_tag(POINT2I_TAG, a) for a in args]
    return TaggedSequence.with_tag(tag, list(args))


def _refuse_tag(loader: _CalibLoader, node: yaml.Node) -> Any:
    raise ParseError(
        f"YAML tag {node.tag!r} is not allowed: calibration files hold plain data only",
        line=node.start_mark.line + 1 + loader.line_index.offset,
        hint="remove the tag; language-specific objects are never constructed",
    )


_CalibLoader.add_constructor("tag:yaml.org,2002:omap", _construct_omap)
_CalibLoader.add_constructor("tag:yaml.org,2002:map", _CalibLoader.construct_mapping)
_CalibLoader.add_constructor("tag:yaml.org,2002:seq", _CalibLoader.construct_sequence)
_CalibLoader.add_constructor("tag:yaml.org,2002:python/tuple", _construct_python_tuple)
_CalibLoader.add_constructor(ASTROPY_UNIT_TAG, _construct_tagged_mapping(ASTROPY_UNIT_TAG))
_CalibLoader.add_constructor(SERIALIZED_COLUMN_TAG, _construct_tagged_mapping(SERIALIZED_COLUMN_TAG))
for _tag in PROPERTYLIST_TAGS:
    _CalibLoader.add_constructor(_tag, _construct_propertylist)
_CalibLoader.add_multi_constructor("tag:yaml.org,2002:python/object/apply:", _construct_geom)
_CalibLoader.add_constructor(None, _refuse_tag)


# ------------------------------------------------------------------------------------------ numeric runs
#
# Lookup tables are written one number per line (DECam: 131,072 lines per file). Parsing each as a YAML
# scalar costs a call from libyaml into Python per number; instead, runs of such lines are found with one
# regular expression, replaced by a single placeholder item (and blank lines, so that every later line
# keeps its number) and read with float(). A placeholder carries a token drawn for this parse, so a file
# cannot forge one; any placeholder the parse did not consume as a sequence item (a run inside a block
# scalar, say) makes the parse start again on the original text without the fast path.

#: Runs shorter than this stay on the general path.
RUN_FROM = 256
_ITEM = r"- [-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+][0-9]+)?\n"  # a float item, as _DECIMAL_FLOAT
_RUN = re.compile(rf"^(?P<indent>[ ]*){_ITEM}(?:(?P=indent){_ITEM}){{{RUN_FROM - 1},}}", re.MULTILINE)
RUN_TAG = "tag:obscal.invalid,2026:numbers"


class _Runs:
    """The numeric runs taken out of one text, and the token of this parse."""

    def __init__(self) -> None:
        import secrets

        self.token = secrets.token_hex(8)
        self.values: list[tuple[int, list[float]]] = []  # (first line, values)
        self.used: set[int] = set()

    def take(self, text: str) -> str:
        """``text`` with every long numeric run replaced by a placeholder item and blank lines."""
        pieces, last = [], 0
        for match in _RUN.finditer(text):
            block = match.group(0)
            lines = block.count("\n")
            indent = match.group("indent")
            values = [float(line[len(indent) + 2 :]) for line in block.splitlines()]
            first_line = text.count("\n", 0, match.start())
            pieces.append(text[last : match.start()])
            pieces.append(f"{indent}- !<{RUN_TAG}> '{self.token}:{len(self.values)}'\n" + "\n" * (lines - 1))
            self.values.append((first_line, values))
            last = match.end()
        if not self.values:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def placeholder(self, node: yaml.Node) -> int | None:
        """The run a sequence item stands for (None when it is not one of this parse's placeholders)."""
        if type(node) is not yaml.ScalarNode or node.tag != RUN_TAG:
            return None
        token, _, index = str(node.value).partition(":")
        if token != self.token or not index.isdigit() or int(index) >= len(self.values) or int(index) in self.used:
            return None
        return int(index)


class _PlaceholderMisplacedError(Exception):
    """A placeholder was not consumed where it was put: parse the original text on the general path."""


def parse(text: str, line_offset: int = 0) -> tuple[Any, LineIndex]:
    """Parse one YAML document safely; return the data and the index of key lines.

    Raises
    ------
    ParseError
        Invalid YAML, an alias, a merge key, a duplicate key or a tag that is not data-only (with the line).
    """
    runs = _Runs()
    fast = runs.take(text) if len(text) > RUN_FROM * 4 else text
    if fast is not text:
        try:
            data, index = _parse(fast, line_offset, runs)
        except (_PlaceholderMisplacedError, ParseError):
            pass  # the general path says what is wrong, in the original text's own terms
        else:
            if len(runs.used) == len(runs.values):
                return data, index
    return _parse(text, line_offset, None)


def _parse(text: str, line_offset: int, runs: _Runs | None) -> tuple[Any, LineIndex]:
    loader = _CalibLoader(text)
    loader.runs = runs
    loader.line_index = LineIndex(line_offset)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        what = " ".join(str(p) for p in (exc.context, exc.problem) if p)
        raise ParseError(f"invalid YAML: {what}", line=line) from None
    except yaml.YAMLError as exc:
        raise ParseError(f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ParseError(f"invalid YAML: nesting deeper than {MAX_DEPTH} levels") from None
    finally:
        loader.dispose()
    return data, loader.line_index


def split_block_list(text: str, key: str) -> tuple[str, list[tuple[int, str]]] | None:
    """A document's top-level block list under ``key`` taken out: the rest (with ``key: []``) and each
    item's first line (0-based) and text, for parsing items one at a time; None when the list is not
    written as a block list of items at column 0 (the caller then parses the whole document)."""
    lines = text.split("\n")
    try:
        start = lines.index(f"{key}:")
    except ValueError:
        return None
    end = start + 1
    while end < len(lines) and lines[end].startswith(("- ", "  ")):
        end += 1
    items: list[tuple[int, list[str]]] = []
    for n in range(start + 1, end):
        if lines[n].startswith("- "):
            items.append((n, [lines[n]]))
        elif not items:
            return None
        else:
            items[-1][1].append(lines[n])
    rest = "\n".join([*lines[:start], f"{key}: []", *([""] * (end - start - 1)), *lines[end:]])
    return rest, [(first, "\n".join(body)) for first, body in items]


# ------------------------------------------------------------------------------------------ documents


def load(path: Path, text: str) -> Document:
    """Parse YAML calibration text into a document.

    Raises
    ------
    ParseError
        Invalid YAML, a refused construct (alias, merge key, tag, duplicate key), or no ``metadata``.
    """
    content, index = parse(text)
    return document_from_mapping(path, "yaml", content, index)


def document_from_mapping(path: Path, fmt: str, content: Any, index: LineIndex) -> Document:
    """A document from the nested mapping of a YAML or JSON file (PropertyList metadata unpacked).

    Raises
    ------
    ParseError
        The top level is not a mapping, or there is no ``metadata`` mapping.
    """
    if not isinstance(content, dict):
        raise ParseError("the top level of a calibration file must be a mapping", line=1)
    _check_depth(content, index)
    metadata = content.get("metadata")
    form, types = "mapping", {}
    if isinstance(metadata, PropertyListData):
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
    check_metadata_keys(metadata, index, content, ["metadata"])
    return Document(path, fmt, metadata, content=content, lines=index, metadata_form=form, propertylist_types=types)


def check_metadata_keys(metadata: dict, index: LineIndex, root: Any, path: list) -> None:
    """Metadata keys are header keywords: text. ``null``, a number or a date as a key is refused, with its line.

    Raises
    ------
    ParseError
        A key that is not a string.
    """
    for key in metadata:
        if not isinstance(key, str):
            raise ParseError(
                f"the metadata key {str(key)[:40]!r} is not a name but a {type(key).__name__}",
                line=index.line_of(root, [*path, key]),
                hint="metadata keys are header keywords; quote the key if it is meant as text",
            )


def _check_depth(content: Any, index: LineIndex) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` (no calibration nests beyond a handful of levels)."""
    stack: list[tuple[Any, int, list]] = [(content, 1, [])]
    while stack:
        node, depth, path = stack.pop()
        if depth > MAX_DEPTH:
            pointer = "/" + "/".join(str(p) for p in path[:8]) + ("/..." if len(path) > 8 else "")
            raise ParseError(
                f"nesting deeper than {MAX_DEPTH} levels",
                line=index.line_of(content, path[:MAX_DEPTH]),
                pointer=pointer,
            )
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            if isinstance(value, dict | list):
                stack.append((value, depth + 1, [*path, key]))


def _from_propertylist(rows: list, index: LineIndex) -> tuple[dict, dict[str, str]]:
    out: dict = {}
    types: dict[str, str] = {}
    for i, row in enumerate(rows):
        line = index.line_of(rows, [i])
        if not (isinstance(row, list) and len(row) == 4 and isinstance(row[0], str)):
            raise ParseError("a PropertyList entry must be [name, type, value, comment]", line=line)
        name, typ, value, _comment = row
        if not isinstance(typ, str) or typ not in PROPERTYLIST_TYPES:
            raise ParseError(
                f"unknown PropertyList type {str(typ)[:40]!r} for {name[:60]!r}",
                line=line,
                hint="the type is one of " + ", ".join(sorted(PROPERTYLIST_TYPES)),
            )
        if name in out:
            raise ParseError(f"duplicate metadata key {name!r}", line=line)
        out[name] = value
        types[name] = typ
        index.record(out, name, (line or 1) - 1 - index.offset)
    return out, types


# ------------------------------------------------------------------------------------------ writing


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper plus the data-only tags of :mod:`obscal.model.tagged`."""


def _represent_propertylist(dumper: yaml.SafeDumper, data: PropertyListData) -> yaml.Node:
    return dumper.represent_sequence(PROPERTYLIST_TAG, list(data))


def _represent_tagged_sequence(dumper: yaml.SafeDumper, data: TaggedSequence) -> yaml.Node:
    if data.tag not in WRITABLE_SEQUENCE_TAGS:
        raise ParseError(f"refusing to write the YAML tag {data.tag[:80]!r}: only data-only tags are written")
    return dumper.represent_sequence(data.tag, list(data))


def _represent_tagged(dumper: yaml.SafeDumper, data: TaggedMapping) -> yaml.Node:
    if data.tag not in WRITABLE_TAGS:
        raise ParseError(f"refusing to write the YAML tag {data.tag!r}: only data-only tags are written")
    return dumper.represent_mapping(data.tag, dict(data))


_Dumper.add_representer(PropertyListData, _represent_propertylist)
_Dumper.add_representer(TaggedMapping, _represent_tagged)
_Dumper.add_representer(TaggedSequence, _represent_tagged_sequence)


def _plain(value: Any) -> Any:
    """numpy scalars and arrays to plain Python values for YAML."""
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, TaggedMapping):
        return TaggedMapping.with_tag(value.tag, {k: _plain(v) for k, v in value.items()})
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, TaggedSequence):  # keeps its Box2I / Point2I / tuple tag
        return TaggedSequence.with_tag(value.tag, [_plain(v) for v in value])
    if isinstance(value, PropertyListData):  # keeps its lsst.daf.base.PropertyList tag
        return PropertyListData(_plain(v) for v in value)
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_propertylist(metadata: dict, types: dict[str, str]) -> PropertyListData:
    """Metadata in the PropertyList encoding, each key with its recorded (or guessed) type."""
    rows = PropertyListData()
    for key, value in metadata.items():
        rows.append([key, types.get(key) or _guess_type(value), value, ""])
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


def dump_data(content: Any) -> str:
    """YAML text of plain data (block style, keys in order, Unicode kept)."""
    return yaml.dump(
        _plain(content), Dumper=_Dumper, sort_keys=False, default_flow_style=False, allow_unicode=True, width=100
    )


def text_content(calib: Calibration) -> dict:
    """The nested mapping a YAML/JSON file of ``calib`` holds, metadata in the form it was read in."""
    content = dict(calib.toDict())
    source = calib.source
    if source is not None and source.metadata_form == "propertylist":
        content["metadata"] = to_propertylist(calib.getMetadata(), source.propertylist_types)
    return content


def dump(calib: Calibration) -> str:
    """The YAML text of a calibration."""
    return dump_data(text_content(calib))
