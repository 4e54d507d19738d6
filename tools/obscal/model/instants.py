"""Every date obscal reads or writes, parsed and formatted in one place.

Inside obscal an instant is a naive ``datetime`` in UTC with microsecond resolution. The forms:

========================  =========================  ==========================================
where                     written                    read by
========================  =========================  ==========================================
file name (valid start)   ``20240615T120000``        :func:`parse_stem` (also ``2012-09-12T00:00:00``,
                                                     ``20130115t0130``: legacy names)
metadata (CALIBDATE,      ``2024-06-15T12:00:00``    :func:`parse_metadata_instant` (ISO-8601; ``Z``
VALIDEND, VALIDSTART)                                or an offset allowed, turned into UTC)
people (CLI, API)         ``2024-06-15T12:00:00Z``   :func:`parse_instant` (ISO UTC, an offset, a
                                                     time scale, ``MJD 60476.5``)
FITS ``DATE``, commits    ``2024-06-15T12:00:00``    :func:`format_fits_date` (UTC, whole seconds)
creation date and time    ``2024-06-15``/``12:00:00``  :func:`creation_pair`
========================  =========================  ==========================================
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from obscal.model.problems import ObscalError, ParseError

#: Time scales a person may name after an instant (astropy's, plus GPS).
SCALES = ("utc", "tai", "tt", "tcg", "tcb", "tdb", "ut1", "gps")
_HINT = "use ISO-8601, e.g. 2024-06-15T12:00:00 (UTC), 2024-06-15T12:00:37 TAI or MJD 60476.5"
_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(\d{2})?(\.\d+)?$")
#: GPS time runs a constant 19 s behind TAI (astropy has GPS as a format, not a scale).
_GPS_MINUS_TAI = -19.0


def parse_stem(stem: str) -> datetime:
    """A validity start from a file name stem (``19700101T000000``, ``20130115t0130``, ``2012-09-12T00:00:00``).

    Raises
    ------
    ParseError
        The stem is not a date.
    """
    try:
        return _parse_iso(stem)
    except ValueError:
        raise ParseError(
            f"the file name {stem!r} is not a validity start date",
            hint="name the file after the start of its validity, e.g. 20240101T000000.ecsv (UTC)",
        ) from None


def _parse_iso(text: str) -> datetime:
    m = _BASIC.match(text)
    if m:
        y, mo, d, h, mi, s, frac = m.groups()
        micro = round(float(frac) * 1e6) if frac else 0
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)
    value = datetime.fromisoformat(text.replace("t", "T") if "t" in text[8:11] else text)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def parse_metadata_instant(value: object, key: str) -> datetime:
    """An instant held in metadata (``CALIBDATE``, ``VALIDEND``, ``VALIDSTART``), as naive UTC.

    Raises
    ------
    ParseError
        ``value`` is not an ISO-8601 date string.
    """
    if not isinstance(value, str):
        raise ParseError(f"{key} {value!r} is not an ISO-8601 date string")
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1]
    try:
        return _parse_iso(text)
    except ValueError:
        raise ParseError(f"{key} {value!r} is not an ISO-8601 date") from None


def parse_instant(text: str) -> datetime:
    """An instant given by a person: ISO-8601 in UTC unless a time scale (or a UTC offset) says otherwise.

    Accepted: ``2024-06-15``, ``2024-06-15T12:00:00[.ffffff]``, ``2024-06-15 12:00``, the basic form of
    file names (``20240615T120000``), a ``Z`` or ``+hh:mm`` offset, a trailing time scale
    (``2024-06-15T12:00:37 TAI``, ``... TT``, ``... GPS``) and ``MJD 60476.5 [scale]``.

    Raises
    ------
    ObscalError
        Not a date, or a leap second (which a UTC calendar time cannot hold); the message says the forms.
    """
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
        return _parse_iso(value.replace(" ", "T").replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}T23:59:60(\.\d+)?", value.replace(" ", "T")):
            raise ObscalError(f"{text!r} is a leap second, which a UTC calendar time cannot hold") from None
        raise ObscalError(f"{text!r} is not a date; {_HINT}") from None


def _with_astropy(value: str, fmt: str | None, scale: str, text: str) -> datetime:
    from astropy.time import Time, TimeDelta

    try:
        given = float(value) if fmt == "mjd" else value.replace(" ", "T")
        if scale == "gps":  # a GPS calendar time is TAI 19 s earlier on the clock face
            moment = Time(given, format=fmt, scale="tai") - TimeDelta(_GPS_MINUS_TAI, format="sec")
        else:
            moment = Time(given, format=fmt, scale=scale)
        utc = moment.utc
        utc.precision = 6
        iso = utc.isot
    except (ValueError, TypeError) as exc:
        raise ObscalError(f"{text!r} is not a date ({exc}); {_HINT}") from None
    if "T23:59:60" in iso:
        raise ObscalError(f"{text!r} falls in a leap second, which a UTC calendar time cannot hold")
    return datetime.fromisoformat(iso)


def format_stem(moment: datetime) -> str:
    """The canonical file-name stem of a validity start (``YYYYMMDDTHHMMSS``)."""
    return moment.strftime("%Y%m%dT%H%M%S")


def format_iso(moment: datetime) -> str:
    """The metadata form (``YYYY-MM-DDTHH:MM:SS``, microseconds only when there are any), UTC implied."""
    return moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")


def format_utc(moment: datetime) -> str:
    """ISO-8601 UTC with a ``Z`` (microseconds only when there are any): what people and JSON are shown."""
    return format_iso(moment.replace(tzinfo=None)) + "Z"


def format_fits_date(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS`` in UTC, whole seconds (FITS ``DATE``, commit times); aware or naive UTC."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S")


def from_timestamp(seconds: float) -> datetime:
    """A POSIX timestamp as naive UTC."""
    return datetime.fromtimestamp(seconds, UTC).replace(tzinfo=None)


def creation_pair(moment: datetime) -> tuple[str, str]:
    """``CALIB_CREATION_DATE`` and ``CALIB_CREATION_TIME`` of an instant."""
    return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")


def utc_now() -> datetime:
    """Now, naive UTC, whole seconds."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)
