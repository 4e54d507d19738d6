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

from obscal.model.tagged import TaggedMapping


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data (numpy values become Python values)."""
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


def decode(value: Any) -> Any:
    """The inverse of :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1:
        ((key, inner),) = value.items()
        if key == "$date":
            return dt.date.fromisoformat(inner)
        if key == "$datetime":
            return dt.datetime.fromisoformat(inner)
        if key == "$map":
            return {decode(k): decode(v) for k, v in inner}
        if key == "$nan":
            return struct.unpack("<d", bytes.fromhex(inner))[0]
    if set(value) == {"$tag", "$value"}:
        out = TaggedMapping(decode(value["$value"]))
        out.tag = value["$tag"]
        return out
    return {k: decode(v) for k, v in value.items()}


def dumps(value: Any) -> str:
    """Compact ASCII JSON (fits in a FITS string card), floats written exactly."""
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=True, allow_nan=True)


def loads(text: str) -> Any:
    """The inverse of :func:`dumps`."""
    return decode(json.loads(text))


def same(a: Any, b: Any) -> bool:
    """Equal in value *and* type, floats compared bit for bit (so NaN equals NaN, 0.0 differs from -0.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a.hex() == b.hex() if a == a else b != b and _nan_bits(a) == _nan_bits(b)
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
