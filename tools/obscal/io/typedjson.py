"""JSON that keeps what YAML can hold: exact floats (NaN, inf, -0.0), dates, non-string keys and tags.

Used where a value has to travel inside a FITS header card and come back identical. Plain JSON
values stay plain; the extensions are single-key objects whose key starts with ``$``:
``{"$date": "2024-01-02"}``, ``{"$datetime": "..."}``, ``{"$map": [[key, value], ...]}`` (a mapping
with a non-string key, or a key starting with ``$``), ``{"$tag": tag, "$value": {...}}`` and
``{"$nan": "<hex bits>"}`` for a NaN with a sign or payload (YAML's ``.nan`` is a negative NaN).
"""

from __future__ import annotations

import datetime as dt
import json
import struct
from typing import Any

from obscal.model.tagged import WRITABLE_SEQUENCE_TAGS, WRITABLE_TAGS, TaggedMapping, TaggedSequence


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data (numpy values become Python values)."""
    if isinstance(value, TaggedSequence):
        return {"$tag": value.tag, "$items": [encode(v) for v in value]}
    if isinstance(value, TaggedMapping):
        return {"$tag": value.tag, "$value": encode(dict(value))}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"$map": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [encode(v) for v in value]
    if isinstance(value, dt.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, dt.date):
        return {"$date": value.isoformat()}
    if hasattr(value, "tolist"):
        return encode(value.tolist())
    if isinstance(value, float) and value != value and _nan_bits(value) != _CANONICAL_NAN:
        return {"$nan": _nan_bits(value).hex()}  # keep the sign and payload JSON's NaN would drop
    return value


def decode(value: Any, where: str = "") -> Any:
    """The inverse of :func:`encode`.

    Raises
    ------
    ValueError
        A ``$tag`` that is not a data-only tag (:data:`~obscal.model.tagged.WRITABLE_TAGS`), a malformed
        extension, or nesting deeper than :data:`MAX_DEPTH`; the message names the place (``where``).
    """
    return _decode(value, where, 0)


#: The deepest nesting typed JSON may have.
MAX_DEPTH = 64


def _decode(value: Any, where: str, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise ValueError(f"{where or '/'}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, list):
        return [_decode(v, f"{where}/{i}", depth + 1) for i, v in enumerate(value)]
    if not isinstance(value, dict):
        return value
    try:
        if len(value) == 1:
            ((key, inner),) = value.items()
            if key == "$date":
                return dt.date.fromisoformat(inner)
            if key == "$datetime":
                return dt.datetime.fromisoformat(inner)
            if key == "$map":
                return {_decode(k, where, depth + 1): _decode(v, f"{where}/{k}", depth + 1) for k, v in inner}
            if key == "$nan":
                return struct.unpack("<d", bytes.fromhex(inner))[0]
    except (TypeError, ValueError, struct.error) as exc:
        raise ValueError(f"{where or '/'}: malformed {next(iter(value))} ({exc})") from None
    if set(value) == {"$tag", "$items"}:
        tag = value["$tag"]
        if tag not in WRITABLE_SEQUENCE_TAGS or not isinstance(value["$items"], list):
            raise ValueError(f"{where or '/'}: the YAML tag {str(tag)[:80]!r} is not a data-only tag obscal writes")
        return TaggedSequence.with_tag(tag, _decode(value["$items"], where, depth + 1))
    if set(value) == {"$tag", "$value"}:
        tag = value["$tag"]
        if tag not in WRITABLE_TAGS:
            raise ValueError(f"{where or '/'}: the YAML tag {str(tag)[:80]!r} is not a data-only tag obscal writes")
        inner = _decode(value["$value"], where, depth + 1)
        if not isinstance(inner, dict):
            raise ValueError(f"{where or '/'}: a tagged value must be a mapping")
        return TaggedMapping.with_tag(tag, inner)
    return {k: _decode(v, f"{where}/{k}", depth + 1) for k, v in value.items()}


def dumps(value: Any) -> str:
    """Compact ASCII JSON (fits in a FITS string card), floats written exactly."""
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=True, allow_nan=True)


def loads(text: str, where: str = "") -> Any:
    """The inverse of :func:`dumps`.

    Raises
    ------
    ValueError
        Not JSON, too deep, or a tag that is not data-only (see :func:`decode`).
    """
    try:
        data = json.loads(text)
    except RecursionError:
        raise ValueError(f"{where or '/'}: nested deeper than {MAX_DEPTH} levels") from None
    return decode(data, where)


def same(a: Any, b: Any) -> bool:
    """Equal in value *and* type, floats compared bit for bit (so NaN equals NaN, 0.0 differs from -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex() if a == a else b != b and _nan_bits(a) == _nan_bits(b)
    if isinstance(a, TaggedSequence) and a.tag != b.tag:
        return False
    if isinstance(a, dict):
        if isinstance(a, TaggedMapping) and a.tag != b.tag:
            return False
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def _nan_bits(x: float) -> bytes:
    return struct.pack("<d", x)


_CANONICAL_NAN = _nan_bits(float("nan"))
