"""FITS cards for the stamps of a converted file (:class:`obscal.model.stamps.Stamps`), and reading them back."""

from __future__ import annotations

from astropy.io import fits

from obscal.io import fitsheader
from obscal.model.problems import ObscalError
from obscal.model.stamps import Stamps

_COMMENTS = {
    "VALIDSTART": "validity start, UTC (from the file name)",
    "VALIDEND": "validity end, UTC, exclusive ('' = open)",
    "OBSCAL GIT_COMMIT": "commit converted",
    "OBSCAL GIT_FILE_COMMIT": "last commit changing the source",
    "OBSCAL GIT_DIRTY": "source had uncommitted changes",
}


_DATE_COMMENTS = {
    "commit": "UTC time of the commit converted",
    "SOURCE_DATE_EPOCH": "UTC, from SOURCE_DATE_EPOCH (not from git)",
    "file modification time": "UTC modification time of the source (no git)",
}


def table_cards(stamps: Stamps, skip: set[str] = frozenset()) -> list[fits.Card]:  # type: ignore[assignment]
    """The stamp cards of every table HDU, then the HISTORY lines."""
    cards = []
    for key, value in stamps.values().items():
        if key in skip:
            continue
        try:
            cards.append(fitsheader.card(key, value, _COMMENTS.get(key, "")))
        except ObscalError:  # no room for the comment
            cards.append(fitsheader.card(key, value))
    cards.extend(fits.Card("HISTORY", line) for line in stamps.history_lines())
    return cards


def primary_cards(stamps: Stamps) -> list[fits.Card]:
    """``DATE`` (the commit time) and ``ORIGIN`` for the primary HDU."""
    return [
        fits.Card("DATE", stamps.date, _DATE_COMMENTS.get(stamps.date_source, stamps.date_source)),
        fits.Card("ORIGIN", "obscal", "curated-calibration package tooling"),
    ]


def from_fits(stamp_cards: dict, history: list[str], primary: dict) -> dict:
    """The stamps read back from a file obscal wrote, as a plain mapping (``as_dict`` form)."""
    out = {k: (None if isinstance(v, fits.card.Undefined) else v) for k, v in stamp_cards.items()}
    if "DATE" in primary:
        out["DATE"] = primary["DATE"]
    out["HISTORY"] = list(history)
    return out
