"""A safe YAML loader for calibration files.

It builds only plain data (dicts, lists, str, int, float, bool, None), rejects duplicate keys and
aliases (so an "exponential alias" document cannot blow up), refuses every language-specific tag
except a few data-only ones found in real LSST files, and remembers the line of every mapping key
so that problems can be reported at their place in the file.
"""

from __future__ import annotations

from typing import Any

import yaml

from .problems import ParseError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: LSST tags that carry data only; they are turned into plain values without running anything.
ASTROPY_UNIT_TAG = "!astropy.units.Unit"
SERIALIZED_COLUMN_TAG = "!astropy.table.SerializedColumn"
PROPERTYLIST_TAG = "tag:yaml.org,2002:lsst.daf.base.PropertyList"
PROPERTYLIST_TAGS = ("!<lsst.daf.base.PropertyList>", "lsst.daf.base.PropertyList", PROPERTYLIST_TAG)


class TaggedMapping(dict):
    """A mapping that carried a data-only local tag (kept so a writer can emit it again)."""

    tag: str = ""


class PropertyListData(list):
    """The ``[name, type, value, comment]`` rows of an ``lsst.daf.base.PropertyList`` block."""


class LineIndex:
    """Line numbers (1-based, offset into the file) of mapping keys and sequence items."""

    def __init__(self, offset: int = 0) -> None:
        self.offset = offset
        self._lines: dict[int, dict[Any, int]] = {}
        self._keep: list[Any] = []  # keep containers alive so that their ids stay unique

    def record(self, container: Any, key: Any, line0: int) -> None:
        lines = self._lines.get(id(container))
        if lines is None:
            lines = self._lines[id(container)] = {}
            self._keep.append(container)
        lines[key] = line0 + 1 + self.offset

    def line_of(self, root: Any, path: list[Any] | tuple[Any, ...]) -> int | None:
        """The line of the deepest element of ``path`` (keys and indices) that is known."""
        best = None
        node = root
        for step in path:
            line = self._lines.get(id(node), {}).get(step)
            if line is not None:
                best = line
            try:
                node = node[step]
            except (KeyError, IndexError, TypeError):
                break
        return best

    def alias(self, old: Any, new: Any) -> None:
        """Let ``new`` answer for the lines recorded for ``old`` (after a normalisation)."""
        if id(old) in self._lines:
            self._lines[id(new)] = self._lines[id(old)]
            self._keep.append(new)


class _CalibLoader(_Loader):  # type: ignore[misc,valid-type]
    """Safe loader with duplicate-key, alias and tag policing."""

    line_index: LineIndex

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects or node in self.recursive_objects:
            raise ParseError(
                "YAML aliases (*name) are not allowed in calibration files",
                line=node.start_mark.line + 1 + self.line_index.offset,
                hint="write the value out in full instead of referring to an anchor",
            )
        return super().construct_object(node, deep=deep)

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
                first = self.line_index._lines.get(id(mapping), {}).get(key)
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
        out = [self.construct_object(child, deep=True) for child in node.value]
        for i, child in enumerate(node.value):
            self.line_index.record(out, i, child.start_mark.line)
        return out


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
        out = TaggedMapping(loader.construct_mapping(node, deep=True))
        out.tag = tag
        return out

    return construct


def _construct_python_tuple(loader: _CalibLoader, node: yaml.Node) -> list:
    return loader.construct_sequence(node, deep=True)


def _construct_propertylist(loader: _CalibLoader, node: yaml.Node) -> PropertyListData:
    return PropertyListData(loader.construct_sequence(node, deep=True))


def _construct_geom(loader: _CalibLoader, suffix: str, node: yaml.Node) -> Any:
    """``!!python/object/apply:lsst.geom.Box2I`` / ``Point2I``: plain lists, nothing is called."""
    name = suffix.split(":", 1)[-1]
    if name not in ("lsst.geom.Box2I", "lsst.geom.Point2I"):
        return _refuse_tag(loader, node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    args = loader.construct_mapping(node, deep=True).get("args", [])
    return list(args)


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


def load(text: str, line_offset: int = 0) -> tuple[Any, LineIndex]:
    """Parse one YAML document safely; return the data and the index of key lines."""
    loader = _CalibLoader(text)
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
        raise ParseError("invalid YAML: nesting is too deep") from None
    finally:
        loader.dispose()
    return data, loader.line_index
