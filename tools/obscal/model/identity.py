"""Who a calibration is: the standard DMTN-148 keys, ``CALIB_ID``, directory names and edit records.

This is the one metadata builder (ip_isr's ``updateMetadata(setCalibId=True)``): the generator of
synthetic packages, ``certify`` and ``upgrade`` all call :func:`standard_metadata`, so the keys,
their order and the ``CALIB_ID`` form are written the same way everywhere.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from obscal.model.instants import format_iso, parse_metadata_instant
from obscal.model.problems import ParseError

if TYPE_CHECKING:
    from obscal.model.calibration import Calibration
    from obscal.model.camera import Detector

#: Metadata key holding the manual-edit records.
EDIT_HISTORY = "EDIT_HISTORY"
#: Keys derived from a calibration's place and validity: whatever a source said is replaced.
DERIVED_KEYS = ("CALIB_ID", "CALIBDATE", "VALIDSTART", "VALIDEND")
#: Separates the fields of an edit record.
EDIT_SEPARATOR = " | "


def dirname(name: str) -> str:
    """The directory name obs_base uses for a detector or physical filter name (lower case, ``_`` for spaces)."""
    return name.lower().replace(" ", "_")


def closest(word: str, known: set[str] | list[str]) -> str | None:
    """The known name a mistyped ``word`` most likely meant (None when nothing is close)."""
    found = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    if not found:
        upper = {k.upper(): k for k in known}
        found = [upper[word.upper()]] if word.upper() in upper else []
    return found[0] if found else None


def calib_id(instrument: str, detector: Detector | None, physical_filter: str | None, valid_start: datetime) -> str:
    """``CALIB_ID``: ``instrument=I [detectorName=N detector=ID] [filter=F] calibDate=ISO``."""
    parts = [f"instrument={instrument}"]
    if detector is not None:
        parts += [f"detectorName={detector.name}", f"detector={detector.id}"]
    if physical_filter is not None:
        parts.append(f"filter={physical_filter}")
    parts.append(f"calibDate={format_iso(valid_start)}")
    return " ".join(parts)


def type_keys(cls: type[Calibration], dataset_type: str, version: str | None = None) -> dict[str, Any]:
    """``OBSTYPE``, ``<P>_SCHEMA`` and ``<P>_VERSION`` of a type (the current version unless given)."""
    prefix = cls.schema_prefix(dataset_type)
    return {
        "OBSTYPE": cls.expected_obstype(dataset_type),
        f"{prefix}_SCHEMA": cls.SCHEMA,
        f"{prefix}_VERSION": float(version or cls.VERSION),
    }


def standard_metadata(
    cls: type[Calibration],
    dataset_type: str,
    *,
    instrument: str,
    valid_start: datetime,
    created: tuple[str, str],
    detector: Detector | None = None,
    serial: str | None = None,
    physical_filter: str | None = None,
    version: str | None = None,
    calibcls: str | None = None,
    extra: dict | None = None,
    valid_end: datetime | None = None,
) -> dict[str, Any]:
    """The DMTN-148 header of a calibration, in the one order obscal writes it.

    Type keys, ``INSTRUME``, ``DETECTOR``, ``FILTER``, the detector's ``DET_NAME``/``DET_SER``,
    ``CALIBCLS``, then ``extra`` (type-specific keys), then ``CALIB_ID``, ``CALIB_CREATION_DATE``,
    ``CALIB_CREATION_TIME``, ``CALIBDATE`` and, for a deliberate end, ``VALIDEND``.
    """
    md = type_keys(cls, dataset_type, version)
    md.update(INSTRUME=instrument, DETECTOR=detector.id if detector else None, FILTER=physical_filter)
    if detector is not None:
        md["DET_NAME"] = detector.name
        if serial or detector.serial:
            md["DET_SER"] = serial or detector.serial
    accepted = cls.calibcls_for(dataset_type)
    if accepted:
        md["CALIBCLS"] = calibcls if calibcls in accepted else accepted[0]
    md.update(extra or {})
    md["CALIB_ID"] = calib_id(instrument, detector, physical_filter, valid_start)
    md["CALIB_CREATION_DATE"], md["CALIB_CREATION_TIME"] = created
    md["CALIBDATE"] = format_iso(valid_start)
    if valid_end is not None:
        md["VALIDEND"] = format_iso(valid_end)
    return md


def recorded_creation(metadata: dict) -> tuple[str, str] | None:
    """``(CALIB_CREATION_DATE, CALIB_CREATION_TIME)`` as the metadata records them (or from a legacy ``DATE``)."""
    date, time = metadata.get("CALIB_CREATION_DATE"), metadata.get("CALIB_CREATION_TIME")
    if isinstance(date, str) and isinstance(time, str) and date and time:
        return date, time
    stamp = metadata.get("DATE")
    if isinstance(stamp, str):
        try:
            moment = parse_metadata_instant(stamp, "DATE")
        except ParseError:
            return None
        return moment.strftime("%Y-%m-%d"), moment.strftime("%H:%M:%S")
    return None


# ------------------------------------------------------------------------------------------ edit records


@dataclass(frozen=True)
class EditRecord:
    """One manual-edit record: when, who and why (``EDIT_HISTORY`` holds them as strings)."""

    date: str
    author: str
    reason: str

    @property
    def when(self) -> datetime | None:
        """The date as naive UTC, or None when it is not a date."""
        try:
            return parse_metadata_instant(self.date, "edit record date")
        except ParseError:
            return None


def format_edit_record(when: datetime, author: str, reason: str) -> str:
    """``'<YYYY-MM-DDTHH:MM:SSZ> | <author> | <reason>'``: the one form obscal writes.

    Raises
    ------
    ValueError
        The author contains ``|`` (it separates the fields), or author or reason is empty.
    """
    if "|" in author:
        raise ValueError("the author name cannot contain '|' (it separates the fields of an edit record)")
    reason = " ".join(reason.split())
    if not author.strip() or not reason:
        raise ValueError("an edit record needs an author and a reason")
    return EDIT_SEPARATOR.join((format_iso(when.replace(microsecond=0)) + "Z", author.strip(), reason))


def parse_edit_record(entry: object) -> EditRecord | None:
    """The fields of an edit record string (None when it does not have the three fields)."""
    if not isinstance(entry, str):
        return None
    parts = [p.strip() for p in entry.split("|", 2)]
    if len(parts) != 3:
        return None
    return EditRecord(*parts)


def edit_records(metadata: dict) -> list[str]:
    """The ``EDIT_HISTORY`` entries as strings (a single string counts as one entry)."""
    edits = metadata.get(EDIT_HISTORY) or []
    return [str(e) for e in (edits if isinstance(edits, list) else [edits])]
