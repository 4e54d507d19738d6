"""Load the JSON Schemas in ``schemas/`` and check documents against them.

Every schema file has a stable ``$id`` (``urn:obscal:schema:<family>:<version>``) and an
``x-obscal`` block naming its family and version. A type schema's ``$defs/strict`` holds what the
``strict`` profile adds (the DMTN-148 keywords and an edit history): errors under ``strict``,
warnings under ``compat``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

HEADER_ID = "urn:obscal:schema:header:1.0"


def schema_dir() -> Path:
    """The directory of obscal's JSON Schemas.

    ``$OBSCAL_SCHEMAS`` when set; else the copy shipped inside the installed package (``obscal/schemas``);
    else, in a source checkout (editable install), the repository's top-level ``schemas/``.

    Raises
    ------
    FileNotFoundError
        None of these holds the schemas.
    """
    env = os.environ.get("OBSCAL_SCHEMAS")
    candidates = [Path(env)] if env else []
    candidates.append(Path(str(resources.files("obscal"))) / "schemas")
    candidates.append(Path(__file__).resolve().parents[3] / "schemas")
    for cand in candidates:
        if (cand / "header").is_dir():
            return cand
    raise FileNotFoundError(
        "cannot find the obscal schemas: reinstall obscal (pip install obscal, or pip install -e . in its "
        "repository), or set OBSCAL_SCHEMAS to a schemas directory"
    )


@dataclass(frozen=True)
class SchemaIssue:
    """One schema violation: where (path into the instance) and what."""

    path: tuple
    message: str
    hint: str | None
    strict_only: bool

    @property
    def pointer(self) -> str:
        """The JSON pointer of the issue."""
        return "/" + "/".join(str(p).replace("~", "~0").replace("/", "~1") for p in self.path)


#: Arrays at least this long, of plain numbers only, are compacted for the schema walk.
COMPACT_FROM = 64
#: A compacted array keeps at least this many elements, so that ``minItems``/``maxItems`` below it (the
#: schemas use 1 and 2; a test keeps every such bound below this) judge it as they judge the whole array.
COMPACT_KEEP = 8


class Representatives(list):
    """A long array of plain numbers as the schema walk sees it.

    It holds one element of each Python type present (int, float), the smallest and the largest value
    and a NaN if there is one — every element a ``type``, ``minimum`` or ``maximum`` keyword could
    reject first — padded to :data:`COMPACT_KEEP` elements. ``indices`` maps each back to its place in
    the array.
    """

    def __init__(self, items: list, indices: list[int]) -> None:
        super().__init__(items)
        self.indices = indices


def compact(node: Any) -> Any:
    """``node`` with every long array of plain numbers replaced by its :class:`Representatives`.

    Arrays holding anything else (a string, a bool, a mapping, None) are walked element by element as
    before, so that the schema names the first offending element exactly.
    """
    if isinstance(node, dict):
        return {k: compact(v) for k, v in node.items()}
    if not isinstance(node, list):
        return node
    if len(node) >= COMPACT_FROM and all(type(v) is float or type(v) is int for v in node):
        import numpy as np

        values = np.asarray(node, dtype=np.float64)
        picks: dict[int, None] = {}
        for kind in (int, float):
            first = next((i for i, v in enumerate(node) if type(v) is kind), None)
            if first is not None:
                picks[first] = None
        nan = np.isnan(values)
        if nan.any():
            picks[int(np.argmax(nan))] = None
        if not nan.all():
            picks[int(np.nanargmin(values))] = None
            picks[int(np.nanargmax(values))] = None
        order = sorted(picks)
        order += [order[0]] * (COMPACT_KEEP - len(order))
        return Representatives([node[i] for i in order], order)
    return [compact(v) for v in node]


def _original_path(compacted: Any, issue: SchemaIssue) -> SchemaIssue:
    """The issue with each index into a compacted array turned back into the index in the file."""
    node, path, changed = compacted, list(issue.path), False
    for i, step in enumerate(path):
        if isinstance(node, Representatives) and isinstance(step, int) and step < len(node.indices):
            path[i], node, changed = node.indices[step], None, True
            continue
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            break
    if not changed:
        return issue
    return SchemaIssue(tuple(path), issue.message, issue.hint, issue.strict_only)


class SchemaSet:
    """All schemas of the package, indexed by family and version, with compiled validators."""

    def __init__(self, root: Path | None = None) -> None:
        from referencing import Registry, Resource

        self.root = root or schema_dir()
        self.by_id: dict[str, dict] = {}
        self.by_family: dict[str, dict[str, dict]] = {}
        self.paths: dict[str, Path] = {}
        for path in sorted(self.root.rglob("*.schema.json")):
            schema = json.loads(path.read_text(encoding="utf-8"))
            sid = schema["$id"]
            self.by_id[sid] = schema
            self.paths[sid] = path
            info = schema.get("x-obscal", {})
            if "family" in info and "version" in info:
                # A schema may serve several versions whose content is the same (``versions``).
                for version in info.get("versions", [info["version"]]):
                    self.by_family.setdefault(info["family"], {})[version] = schema
        # Validators run on copies where references to a family's shared definitions are inlined: the files
        # keep one definition each, and checking a file does not resolve a reference per column.
        compiled = {sid: self._inline_shared(schema) for sid, schema in self.by_id.items()}
        self.registry = Registry().with_resources((sid, Resource.from_contents(s)) for sid, s in compiled.items())
        self._validators: dict[str, Any] = {}
        self._metadata_keys: dict[str, set[str]] = {}

    def _inline_shared(self, node: Any) -> Any:
        """``node`` with every plain ``{"$ref": "urn:obscal:schema:<family>:common#/..."}`` replaced by its target."""
        if isinstance(node, dict):
            ref = node.get("$ref")
            if len(node) == 1 and isinstance(ref, str) and ref.split("#", 1)[0].endswith(":common") and "#/" in ref:
                target: Any = self.by_id[ref.split("#", 1)[0]]
                for step in ref.split("#", 1)[1].strip("/").split("/"):
                    target = target[step.replace("~1", "/").replace("~0", "~")]
                return self._inline_shared(target)
            return {k: self._inline_shared(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._inline_shared(v) for v in node]
        return node

    def versions(self, family: str) -> list[str]:
        """The versions of a family, in numeric order."""
        return sorted(self.by_family.get(family, {}), key=lambda v: tuple(int(x) for x in v.split(".")))

    def get(self, family: str, version: str) -> dict | None:
        """The schema of a family's version, or None."""
        return self.by_family.get(family, {}).get(version)

    def validator(self, ref: str) -> Any:
        """A compiled validator for a schema reference (cached)."""
        if ref not in self._validators:
            from jsonschema import Draft202012Validator

            self._validators[ref] = Draft202012Validator({"$ref": ref}, registry=self.registry)
        return self._validators[ref]

    def check(self, schema: dict, instance: Any) -> Iterator[SchemaIssue]:
        """Yield the problems of ``instance`` against ``schema`` and its ``$defs/strict`` part.

        Long arrays of plain numbers are checked as arrays (:func:`compact`): the schema walks a few
        representatives, not 100,000 elements, with the same verdict and the original indices in paths.
        """
        sid = schema["$id"]
        family = schema.get("x-obscal", {}).get("family")
        compacted = compact(instance)
        for issue in self._issues(self.validator(sid), compacted, strict_only=False):
            yield self._with_version_hint(family, _original_path(compacted, issue))
        if "strict" in schema.get("$defs", {}):
            for issue in self._issues(self.validator(f"{sid}#/$defs/strict"), compacted, strict_only=True):
                yield _original_path(compacted, issue)

    def _issues(self, validator: Any, instance: Any, strict_only: bool) -> Iterator[SchemaIssue]:
        from jsonschema.exceptions import best_match

        for error in validator.iter_errors(instance):
            if error.context:
                error = best_match(error.context) or error
            yield SchemaIssue(tuple(error.absolute_path), _message(error), _hint(error), strict_only)

    def _with_version_hint(self, family: str | None, issue: SchemaIssue) -> SchemaIssue:
        """For a key a version does not have, say which version added it (from the family's shared definitions)."""
        match = re.match(r"^unexpected key\(s\) '([^']+)'", issue.message)
        common = self.by_id.get(f"urn:obscal:schema:{family}:common") if family else None
        if match is None or common is None:
            return issue
        for group in common.get("$defs", {}).values():
            found = re.search(r"Since version (\d+\.\d+)", str(group.get(match.group(1), {}).get("description", "")))
            if isinstance(group, dict) and found:
                hint = f"{match.group(1)} was added in version {found.group(1)}: declare that version, or drop the key"
                return SchemaIssue(issue.path, issue.message, hint, issue.strict_only)
        return issue

    def metadata_keys(self, schema: dict) -> set[str]:
        """Every metadata key the type schema (and the shared header) knows."""
        sid = schema["$id"]
        if sid not in self._metadata_keys:
            keys = set(self.by_id[HEADER_ID]["$defs"]["common"]["properties"])
            keys |= set(schema.get("properties", {}).get("metadata", {}).get("properties", {}))
            self._metadata_keys[sid] = keys
        return self._metadata_keys[sid]


def _short(value: Any) -> str:
    text = json.dumps(value, default=str) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _message(error: Any) -> str:
    v, val = error.validator, error.validator_value
    if v == "required":
        return f"missing required key {_required_key(error)!r}"
    if v == "type":
        kinds = val if isinstance(val, list) else [val]
        return f"{_short(error.instance)} is a {type(error.instance).__name__}, expected {' or '.join(kinds)}"
    if v == "const":
        return f"{_short(error.instance)} should be {_short(val)}"
    if v == "enum":
        return f"{_short(error.instance)} is not one of {', '.join(_short(x) for x in val)}"
    if v == "pattern":
        return f"{_short(error.instance)} is not in the expected form"
    if v in ("minItems", "maxItems", "minLength", "maxLength"):
        return f"{_short(error.instance)} has {len(error.instance)} items; {v} is {val}"
    if v == "not" and val == {} and error.absolute_path:  # a key the declared version does not have
        return f"unexpected key(s) {str(error.absolute_path[-1])!r}"
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return f"unexpected key(s) {', '.join(map(repr, extra))}"
    if v in ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"):
        return f"{_short(error.instance)} violates {v} {val}"
    return error.message if len(error.message) < 200 else error.message[:197] + "..."


def _required_key(error: Any) -> str:
    match = re.match(r"^'(.*)' is a required property$", error.message)
    return match.group(1) if match else error.message


def _hint(error: Any) -> str | None:
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "required":
        prop = schema.get("properties", {}).get(_required_key(error))
        if isinstance(prop, dict):
            return prop.get("description")
    return schema.get("description") if isinstance(schema.get("description"), str) else None


@cache
def default_schemas() -> SchemaSet:
    """The schemas shipped with obscal (loaded once)."""
    return SchemaSet()


#: Keys that do not change what a schema accepts; a released schema may change them.
NON_SEMANTIC = frozenset({"title", "description", "examples", "$comment"})


def _semantic(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _semantic(v) for k, v in sorted(node.items()) if k not in NON_SEMANTIC}
    if isinstance(node, list):
        return [_semantic(v) for v in node]
    return node


def semantic_digest(schemas: SchemaSet, sid: str) -> str:
    """SHA-256 of what schema ``sid`` accepts: its content and every schema it refers to, less :data:`NON_SEMANTIC`.

    Raises
    ------
    KeyError
        ``sid`` (or a schema it refers to) is not in ``schemas``.
    """
    import hashlib

    seen: dict[str, Any] = {}
    todo = [sid]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen[current] = _semantic(schemas.by_id[current])
        text = json.dumps(seen[current])
        todo.extend(ref.split("#", 1)[0] for ref in re.findall(r'"\$ref": "(urn:[^"#]+)', text))
    blob = json.dumps(sorted(seen.items()), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()
