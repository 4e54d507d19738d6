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
        """Yield the problems of ``instance`` against ``schema`` and its ``$defs/strict`` part."""
        sid = schema["$id"]
        family = schema.get("x-obscal", {}).get("family")
        for issue in self._issues(self.validator(sid), instance, strict_only=False):
            yield self._with_version_hint(family, issue)
        if "strict" in schema.get("$defs", {}):
            yield from self._issues(self.validator(f"{sid}#/$defs/strict"), instance, strict_only=True)

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
