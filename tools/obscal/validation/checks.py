"""Semantic checks shared by every type: path, metadata and camera agree.

Type-specific checks live in each type's ``check`` method; both report through a
:class:`CheckContext`, which turns a path into the file (``metadata``/``DETECTOR``) into a line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from obscal.model.identity import EDIT_HISTORY, closest, dirname, parse_edit_record
from obscal.model.instants import format_iso, parse_metadata_instant
from obscal.model.layout import PathInfo
from obscal.model.problems import ParseError, Report, Severity
from obscal.validation.config import Config

if TYPE_CHECKING:
    from obscal.model.calibration import Calibration
    from obscal.model.camera import CameraView
    from obscal.model.document import Document


@dataclass
class CheckContext:
    """What a check needs: the calibration, where it lives, the camera, and where to report."""

    calib: Calibration
    doc: Document
    info: PathInfo
    profile: str
    camera: CameraView | None
    report: Report
    file: str
    config: Config = field(default_factory=Config)

    @property
    def metadata(self) -> dict:
        """The calibration's metadata."""
        return self.calib.getMetadata()

    @property
    def strict(self) -> bool:
        """Whether the strict profile applies."""
        return self.profile == "strict"

    def add(
        self,
        severity: Severity,
        code: str,
        message: str,
        path: tuple = (),
        hint: str | None = None,
        line: int | None = None,
        rule: str | None = None,
    ) -> None:
        """Report a problem at ``path`` in the file (its line found from the path when not given)."""
        pointer = "/" + "/".join(str(p) for p in path) if path else None
        if line is None and path:
            line = self.doc.line_of(list(path))
        self.report.add(self.file, severity, code, message, line=line, pointer=pointer, hint=hint, rule=rule)

    def error(self, code: str, message: str, **kw: Any) -> None:
        """Report an error."""
        self.add(Severity.ERROR, code, message, **kw)

    def warning(self, code: str, message: str, **kw: Any) -> None:
        """Report a warning."""
        self.add(Severity.WARNING, code, message, **kw)

    def strict_error(self, code: str, message: str, **kw: Any) -> None:
        """An error under ``strict``, a warning under ``compat``."""
        self.add(Severity.ERROR if self.strict else Severity.WARNING, code, message, **kw)

    def detector(self):
        """The camera's detector for the file's detector directory, or None."""
        if self.camera is None or self.info.detector is None:
            return None
        try:
            return self.camera.detector_by_dir(self.info.detector)
        except ParseError as exc:  # a large description is read entry by entry: this entry is damaged
            self.error("camera", exc.message, hint="run obscal validate on the camera description")
            self.camera = None  # said once; the checks that need the camera are skipped
            return None

    def row_line(self, row: int) -> int | None:
        """The line of a table row."""
        return self.doc.line_of(["rows", row])


def check_common(ctx: CheckContext, known_keys: set[str]) -> None:
    """Checks every calibration gets: identity against the path and the camera, dates, keys."""
    md, info, calib = ctx.metadata, ctx.info, ctx.calib
    name = info.calib_type

    instrume = md.get("INSTRUME")
    if isinstance(instrume, str) and instrume.lower() != info.instrument.lower():
        ctx.error(
            "path",
            f"INSTRUME {instrume!r} does not match the instrument directory {info.instrument!r}",
            path=("metadata", "INSTRUME"),
            hint="INSTRUME must equal the data-package instrument directory (case is ignored)",
        )

    obstype = md.get("OBSTYPE")
    expected = calib.expected_obstype(name)
    if isinstance(obstype, str):
        if obstype.lower() != name.lower():
            ctx.error(
                "path",
                f"OBSTYPE {obstype!r} does not match the type directory {name!r}",
                path=("metadata", "OBSTYPE"),
                hint=f"set OBSTYPE: {expected}, or move the file",
            )
        elif obstype != expected:
            msg = f"OBSTYPE {obstype!r} should be written {expected!r}"
            if calib.obstype_case_sensitive:
                ctx.error(
                    "metadata", msg + " (the LSST reader compares it case-sensitively)", path=("metadata", "OBSTYPE")
                )
            else:
                ctx.strict_error("metadata", msg, path=("metadata", "OBSTYPE"))

    _check_detector(ctx)
    _check_filter(ctx)
    _check_calibdate(ctx)
    _check_dates(ctx)

    calibcls = md.get("CALIBCLS")
    accepted = calib.calibcls_for(name)
    if calibcls is None and calib.calibcls_required:
        ctx.error(
            "metadata",
            "missing CALIBCLS: the LSST reader needs it to pick the class for this type",
            path=("metadata",),
            hint=f"add CALIBCLS: {accepted[0]}",
        )
    elif calibcls is not None and accepted and calibcls not in accepted:
        ctx.error(
            "metadata",
            f"CALIBCLS {calibcls!r} is not a class for {name}",
            path=("metadata", "CALIBCLS"),
            hint=f"use {accepted[0]}",
        )

    for key in md:
        if key not in known_keys:
            near = closest(key, known_keys)
            ctx.warning(
                "unknown-key",
                f"unknown metadata key {key!r}" + (f"; did you mean {near!r}?" if near else ""),
                path=("metadata", key),
                hint="check the spelling, or add the key to the type's schema if it is intended",
            )


def _check_detector(ctx: CheckContext) -> None:
    md, info = ctx.metadata, ctx.info
    value = md.get("DETECTOR")
    if info.detector is None:
        if value not in (None, ""):
            ctx.error(
                "path",
                f"DETECTOR is {value!r} but {info.calib_type} is not a per-detector type",
                path=("metadata", "DETECTOR"),
                hint="set DETECTOR: null",
            )
        return
    if value is None:  # missing: what compat relaxes (the path says which detector)
        ctx.strict_error(
            "metadata",
            "missing DETECTOR: a per-detector calibration must carry the detector id",
            path=("metadata",),
            hint="add DETECTOR: <id> (the camera's id for the directory's detector)",
        )
        return
    if ctx.camera is None:
        return
    det = ctx.detector()
    if det is None and ctx.camera is None:
        return  # the camera's entry could not be read: reported by ctx.detector()
    if det is None:
        near = closest(info.detector, ctx.camera.detector_dirs())
        ctx.error(
            "camera",
            f"detector directory {info.detector!r} names no detector of the camera",
            hint=f"did you mean {near!r}?" if near else "use a detector name from the camera description",
        )
        return
    if isinstance(value, int) and not isinstance(value, bool) and value != det.id:
        ctx.error(
            "path",
            f"DETECTOR {value} does not match directory {info.detector!r}, which is detector {det.id}",
            path=("metadata", "DETECTOR"),
            hint=f"set DETECTOR: {det.id}, or move the file",
        )
    for key in ("DET_NAME", "DETECTOR_NAME"):
        name = md.get(key)
        if isinstance(name, str) and name and name.lower() != det.name.lower():
            ctx.error(
                "camera", f"{key} {name!r} is not the name of detector {det.id} ({det.name})", path=("metadata", key)
            )
    for key in ("DET_SER", "DETECTOR_SERIAL"):
        serial = md.get(key)
        if serial not in (None, "") and str(serial) != det.serial:
            ctx.error(
                "camera",
                f"{key} {serial!r} does not match the serial of {det.name} valid at "
                f"{format_iso(info.valid_start)} ({det.serial!r})",
                path=("metadata", key),
                hint="was the sensor swapped? the camera description dated before this file says otherwise",
            )


def _check_filter(ctx: CheckContext) -> None:
    md, info, calib = ctx.metadata, ctx.info, ctx.calib
    value = md.get("FILTER")
    if info.filter is None:
        if value == "" and not calib.empty_filter_ok:
            ctx.error(
                "metadata",
                f"FILTER must be null for {info.calib_type}, not ''",
                path=("metadata", "FILTER"),
                hint="the LSST reader keeps '' for this type and then fails its path check",
            )
        elif value not in (None, ""):
            ctx.error(
                "path",
                f"FILTER is {value!r} but {info.calib_type} does not depend on the filter",
                path=("metadata", "FILTER"),
                hint="set FILTER: null",
            )
        return
    if not isinstance(value, str) or not value:
        missing = value is None or value == ""  # what compat relaxes (the path says which filter)
        (ctx.strict_error if missing else ctx.error)(
            "metadata",
            "missing FILTER: a per-filter calibration must name its physical filter",
            path=("metadata",),
            hint=f"add FILTER: <physical filter> (directory {info.filter!r})",
        )
        return
    if dirname(value) != info.filter.lower():
        ctx.error(
            "path", f"FILTER {value!r} does not match the filter directory {info.filter!r}", path=("metadata", "FILTER")
        )
    if ctx.camera is not None and ctx.camera.filter_by_dir(info.filter) is None:
        near = closest(info.filter, list(ctx.camera.filters))
        ctx.error(
            "camera",
            f"physical filter {info.filter!r} is not in the camera description",
            hint=f"did you mean {near!r}?" if near else "add the filter to the camera description",
        )


def _check_calibdate(ctx: CheckContext) -> None:
    value = ctx.metadata.get("CALIBDATE")
    if not isinstance(value, str):
        return
    try:
        when = parse_metadata_instant(value, "CALIBDATE")
    except ParseError as exc:
        ctx.error("metadata", exc.message, path=("metadata", "CALIBDATE"))
        return
    if when != ctx.info.valid_start:  # a contradiction: an error in every profile (compat relaxes only what is missing)
        ctx.error(
            "validity",
            f"CALIBDATE {value!r} does not match the validity start in the file name "
            f"({format_iso(ctx.info.valid_start)})",
            path=("metadata", "CALIBDATE"),
            hint="the file name is the validity start; CALIBDATE must say the same instant",
        )


def _check_dates(ctx: CheckContext) -> None:
    """Dates that have the right form must also be real: 2024-02-30 and 25:00:00 are not."""
    md = ctx.metadata
    for key, parse, what in (
        ("CALIB_CREATION_DATE", date.fromisoformat, "calendar date"),
        ("CALIB_CREATION_TIME", time.fromisoformat, "time of day"),
    ):
        value = md.get(key)
        if isinstance(value, str) and value:
            try:
                parse(value)
            except ValueError:
                ctx.error("metadata", f"{key} {value!r} is not a real {what}", path=("metadata", key))
    if md.get("VALIDEND") is not None:
        try:
            parse_metadata_instant(md["VALIDEND"], "VALIDEND")
        except ParseError as exc:
            ctx.error("validity", f"{exc.message}: the range cannot end there", path=("metadata", "VALIDEND"))


def check_edit_history(ctx: CheckContext, now: datetime) -> None:
    """Edit records must be dated with real dates, not in the future."""
    history = ctx.metadata.get(EDIT_HISTORY)
    if not isinstance(history, list):
        return
    for i, entry in enumerate(history):
        record = parse_edit_record(entry)
        when = record.when if record is not None else None
        if record is not None and when is None:
            ctx.error(
                "edit-history",
                f"edit record #{i + 1} is dated {record.date!r}, which is not a real date",
                path=("metadata", EDIT_HISTORY, i),
            )
        if record is not None and when is not None and when > now:
            ctx.error(
                "edit-history",
                f"edit record #{i + 1} is dated in the future ({record.date})",
                path=("metadata", EDIT_HISTORY, i),
            )
