"""Instants given by people: ISO-8601 in UTC unless a time scale (or a UTC offset) says otherwise.

Accepted: ``2024-06-15``, ``2024-06-15T12:00:00[.ffffff]``, ``2024-06-15 12:00``, the basic form of file
names (``20240615T120000``), a ``Z`` or ``+hh:mm`` offset, a trailing astropy time scale
(``2024-06-15T12:00:37 TAI``, ``... TT``, ``... UTC``) and ``MJD 60476.5 [scale]``. The result is a naive
``datetime`` in UTC with microsecond resolution, the form validity ranges are kept in.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from obscal.model.layout import parse_valid_start
from obscal.model.problems import ObscalError, ParseError

SCALES = ("utc", "tai", "tt", "tcg", "tcb", "tdb", "ut1", "gps")
_HINT = "use ISO-8601, e.g. 2024-06-15T12:00:00 (UTC), 2024-06-15T12:00:37 TAI or MJD 60476.5"


def parse_instant(text: str) -> datetime:
    """Parse ``text`` as described in the module docstring; raise :class:`ObscalError` with a hint."""
    words = text.strip().split()
    scale = "utc"
    if len(words) > 1 and words[-1].lower() in SCALES:
        scale = words.pop().lower()
    mjd = len(words) == 2 and words[0].lower() == "mjd"
    value = words[1] if mjd else " ".join(words)
    if not value:
        raise ObscalError(f"no date given; {_HINT}")
    if mjd or scale != "utc":
        return _with_astropy(value, "mjd" if mjd else None, scale, text)
    try:
        moment = parse_valid_start(value.replace(" ", "T").replace("Z", "+00:00").replace("z", "+00:00"))
    except ParseError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T23:59:60(\.\d+)?", value.replace(" ", "T")):
            raise ObscalError(f"{text!r} is a leap second, which a UTC calendar time cannot hold") from None
        raise ObscalError(f"{text!r} is not a date; {_HINT}") from None
    return moment


def _with_astropy(value: str, fmt: str | None, scale: str, text: str) -> datetime:
    from astropy.time import Time

    try:
        moment = Time(float(value) if fmt == "mjd" else value.replace(" ", "T"), format=fmt, scale=scale)
        utc = moment.utc
        utc.precision = 6
        iso = utc.isot
    except (ValueError, TypeError) as exc:
        raise ObscalError(f"{text!r} is not a date ({exc}); {_HINT}") from None
    if "T23:59:60" in iso:
        raise ObscalError(f"{text!r} falls in a leap second, which a UTC calendar time cannot hold")
    return datetime.fromisoformat(iso)


def format_instant(moment: datetime) -> str:
    """ISO-8601 UTC with a ``Z`` (microseconds only when there are any)."""
    timespec = "microseconds" if moment.microsecond else "seconds"
    return moment.replace(tzinfo=None).isoformat(timespec=timespec) + "Z"


def utc_now() -> datetime:
    """Now, naive UTC, whole seconds."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
