"""Calibration metadata <-> FITS header cards, exactly.

Cards are written as the LSST pipelines (astropy) write them, so their readers see the same
metadata: keywords longer than 8 characters or not upper case become ``HIERARCH`` cards (case
kept), long strings use ``CONTINUE``, a list becomes one card per item. Two things are stricter than
astropy's own writer, because obscal promises a bit-for-bit round trip:

* floats are written with Python's shortest exact representation (astropy rounds to 16 digits,
  which changes the value of most floats);
* a None value gets no card (fitsverify warns about valueless cards, and the LSST writers drop
  None-valued keys); ``codes`` records where it goes back;
* a value no FITS card can hold exactly (NaN, a nested mapping, a date, non-ASCII text, text with
  trailing blanks, an empty or one-item list) is written as a string card holding typed JSON
  (:mod:`obscal.io.typedjson`), and its key is listed in the returned ``codes`` so the reader decodes it.
"""

from __future__ import annotations

import functools
import math
import re
import warnings
from typing import Any

from astropy.io import fits

from obscal.io import typedjson
from obscal.model.problems import ObscalError

#: Keywords that belong to the FITS structure (or to obscal's stamps) and cannot be metadata keys.
_RESERVED = re.compile(
    r"^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|XTENSION|PCOUNT|GCOUNT|TFIELDS|THEAP|GROUPS|BLOCKED|END|"
    r"T(TYPE|FORM|UNIT|DIM|NULL|SCAL|ZERO|DISP|BCOL)\d+|CHECKSUM|DATASUM|EXTNAME|EXTVER|EXTLEVEL|"
    r"HISTORY|COMMENT|CONTINUE|LONGSTRN|OBSCAL .*)$",
    re.IGNORECASE,
)
_STANDARD = re.compile(r"^[A-Z0-9_-]{1,8}$")
_PRINTABLE = re.compile(r"^[\x20-\x7e]*$")
INT64 = (-(2**63), 2**63)


def is_reserved(key: str) -> bool:
    """Whether ``key`` is a FITS structure keyword (or an obscal stamp) that metadata cannot use."""
    return bool(_RESERVED.match(key))


def keyword(key: str) -> str:
    """The card keyword for a metadata key: itself when a standard keyword, else ``HIERARCH key``."""
    return key if _STANDARD.match(key) else f"HIERARCH {key}"


def _native(value: Any) -> bool:
    """True when one FITS card holds ``value`` exactly."""
    if value is None or isinstance(value, bool):
        return True
    if isinstance(value, int):
        return INT64[0] <= value < INT64[1]
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return bool(_PRINTABLE.match(value)) and value == value.rstrip(" ")
    return False


def card(key: str, value: Any, comment: str = "") -> fits.Card:
    """One card; floats get their exact shortest form."""
    return fits.Card.fromstring(_image(key, type(value), value, comment))


@functools.lru_cache(maxsize=4096)
def _image(key: str, _type: type, value: Any, comment: str) -> str:
    """The card image (cached: most keys and values repeat from file to file)."""
    kw = keyword(key)
    if isinstance(value, float):
        text = repr(value).upper()
        image = f"{kw:<8}= {text:>20}" if not kw.startswith("HIERARCH ") else f"{kw} = {text}"
        if comment:
            image += f" / {comment}"
        if len(image) > 80:
            raise ObscalError(f"metadata key {key!r} is too long for a FITS card with its value")
        return image.ljust(80)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            out = fits.Card(kw, value, comment)
            out.verify("silentfix")
            return out.image
        except (ValueError, Warning) as exc:
            raise ObscalError(f"metadata key {key!r} cannot be written as a FITS card: {exc}") from None


def check_key(key: Any) -> str | None:
    """Why ``key`` cannot be a metadata keyword in FITS (None when it can)."""
    if not isinstance(key, str) or not key:
        return "metadata keys must be non-empty strings"
    if not _PRINTABLE.match(key) or "=" in key or key != key.strip():
        return "a FITS keyword holds printable ASCII only, without '=' or surrounding blanks"
    if is_reserved(key):
        return "it is a reserved FITS (or obscal) keyword"
    if len(key) > 67:
        return "it is longer than a HIERARCH card allows"
    return None


def metadata_cards(metadata: dict, where: str = "") -> tuple[list[fits.Card], dict[str, str]]:
    """Cards for ``metadata`` plus ``codes``: ``{key: "json" | "list"}`` for keys the reader must decode.

    Raises :class:`ObscalError` naming every key that cannot be a FITS keyword.
    """
    problems = [f"{key!r}: {why}" for key in metadata if (why := check_key(key))]
    folded: dict[str, str] = {}
    for key in metadata:
        if isinstance(key, str):
            other = folded.setdefault(keyword(key).upper(), key)
            if other != key:
                problems.append(f"{key!r} and {other!r} are the same FITS keyword")
    if problems:
        raise ObscalError(f"{where}metadata cannot be written to FITS: " + "; ".join(problems))
    cards: list[fits.Card] = []
    codes: dict[str, str] = {}
    for index, (key, value) in enumerate(metadata.items()):
        if value is None:
            # fitsverify warns about valueless cards and the LSST writers drop None-valued keys:
            # leave the card out and record where the key goes back.
            codes[key] = f"null:{index}"
            continue
        if isinstance(value, list) and value and all(_native(v) for v in value):
            kinds = {type(v) for v in value if v is not None}
            if len(kinds) <= 1:
                if len(value) == 1:
                    codes[key] = "list"
                cards.extend(card(key, v) for v in value)
                continue
        if _native(value):
            cards.append(card(key, value))
        else:
            codes[key] = "json"
            cards.append(card(key, typedjson.dumps(value)))
    return cards, codes


def read_metadata(header: fits.Header, codes: dict[str, str] | None, skip: set[str]) -> dict:
    """The metadata held by ``header``: every card except structure and ``skip``, repeated keys as lists.

    ``codes`` comes from :func:`metadata_cards` (None for files obscal did not write).
    """
    out: dict = {}
    seen_twice: set[str] = set()
    for c in header.cards:
        key = c.keyword
        if not key or key in skip or (is_reserved(key) and not (codes is None and key in ("HISTORY", "COMMENT"))):
            continue
        value = None if isinstance(c.value, fits.card.Undefined) else c.value
        if key in ("HISTORY", "COMMENT"):
            value = str(value)
        if key in out:
            if key not in seen_twice:
                out[key] = [out[key]]
                seen_twice.add(key)
            out[key].append(value)
        else:
            out[key] = value
    nulls = []
    for key, code in (codes or {}).items():
        if code.startswith("null:"):
            nulls.append((int(code[5:]), key))
        elif key not in out:
            continue
        elif code == "json":
            out[key] = typedjson.loads(out[key], f"metadata {key}")
        elif code == "list" and key not in seen_twice:
            out[key] = [out[key]]
    if nulls:
        items = list(out.items())
        for index, key in sorted(nulls):
            items.insert(index, (key, None))
        out = dict(items)
    return out
