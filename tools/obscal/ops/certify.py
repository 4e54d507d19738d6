"""Certification: bring a calibration made elsewhere into the package with a deliberate validity range.

``certify`` reads the source (ECSV/YAML/JSON in any accepted variant, or a FITS file in the LSST layout),
normalizes its metadata to the DMTN-148 keywords for the place it goes (identity from the camera,
``CALIBDATE`` = validity start, optional ``VALIDEND``, an edit record), validates the result with the
``strict`` profile *in memory*, checks that its range does not conflict with the neighbours, and only
then writes the file (and its provenance sidecar) into the package. When anything is wrong it writes
nothing and reports every problem at once.
"""

from __future__ import annotations

import difflib
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from obscal.io.atomic import write_all
from obscal.io.safeyaml import dump_data
from obscal.model import formats, registry, validity
from obscal.model.calibration import Calibration
from obscal.model.document import Document
from obscal.model.formats import read_document
from obscal.model.identity import (
    DERIVED_KEYS,
    EDIT_HISTORY,
    closest,
    dirname,
    edit_records,
    format_edit_record,
    recorded_creation,
    standard_metadata,
)
from obscal.model.instants import creation_pair, format_iso, format_stem, parse_instant, utc_now
from obscal.model.layout import is_calibration_file
from obscal.model.problems import Code, ObscalError, ParseError, Problem, Report, Severity
from obscal.ops.results import OperationResult
from obscal.store import provenance
from obscal.store.entries import entry_on_disk
from obscal.store.package import Package
from obscal.validation import records
from obscal.validation.schemas import default_schemas
from obscal.validation.validator import display, validate_document

if TYPE_CHECKING:
    from obscal.model.camera import Detector


def certify(
    source: str | Path,
    *,
    instrument: str,
    calib_type: str,
    valid_start: str | datetime,
    reason: str,
    root: str | Path = "obs_data",
    detector: str | int | None = None,
    filter: str | None = None,
    valid_end: str | datetime | None = None,
    author: str | None = None,
    provenance_file: str | Path | None = None,
    now: datetime | None = None,
    keep_history: bool = True,
) -> OperationResult:
    """Certify ``source`` into the package under ``root`` with a deliberate validity range.

    The metadata is normalised to the DMTN-148 keywords for its place (identity from the camera valid at
    ``valid_start``), an edit record is added, the result is validated with the strict profile in memory
    and checked against the directory's other ranges; only then is it written, with its provenance.

    Parameters
    ----------
    source
        ECSV, YAML or JSON in any accepted variant, or a FITS file in the LSST layout.
    instrument, calib_type, detector, filter
        Where it goes: instrument directory, calibration type, detector (id or name), physical filter.
    valid_start, valid_end
        Validity start (whole seconds) and an optional deliberate end; strings are read by
        :func:`obscal.model.instants.parse_instant`.
    reason, author
        The edit record (author: git's ``user.name`` by default).
    root
        The data package.
    provenance_file
        Provenance to write beside the file (default: what the source carries, or its own sidecar).
    now
        The time of the edit record (default: now).
    keep_history
        Keep the source's edit records before the new one (``obscal new`` starts a fresh history).

    Returns
    -------
    OperationResult
        ``target``, the files written (none when refused), every problem and notes.

    Raises
    ------
    ObscalError
        ``source`` is missing, a date is not a date or not whole seconds, the end is not after the start,
        the type is unknown, or no author or reason is given.
    """
    src, root = Path(source), Path(root)
    if not src.is_file():
        raise ObscalError(f"no such file: {src}")
    start = _instant(valid_start, "--valid-start")
    end = _instant(valid_end, "--valid-end") if valid_end is not None else None
    if end is not None and end <= start:
        raise ObscalError(f"--valid-end {format_iso(end)} is not after --valid-start {format_iso(start)}")
    types = registry.load_types()
    if calib_type not in types:
        raise ObscalError(f"unknown calibration type {calib_type!r} (known: {', '.join(sorted(types))})")
    from obscal.store.git import edit_author  # GitPython only when a default author is needed

    author = edit_author(author, root)
    reason = " ".join(reason.split())
    if not reason:
        raise ObscalError("give a reason (--reason): it becomes the edit record of the new file")
    now = now or utc_now()

    result = OperationResult()
    report = result.report
    label = display(src)
    calib, embedded_provenance = _read_source(src, calib_type, report, label)
    if calib is None:
        return result
    _refuse_near_misses(calib, report, label)
    place = _place(root, instrument, calib_type, detector, filter, start, report)
    if place is None:
        return result
    instrument, det, filt_dir, camera_filter = place
    _check_identity(calib, instrument, det, camera_filter, report, label, result.notes)
    if not report.ok:
        return result

    fmt = _text_format(src, calib)
    rel_parts = [instrument, calib_type] + ([dirname(det.name)] if det else [])
    rel_parts += [filt_dir] if filt_dir else []
    target = root.joinpath(*rel_parts, f"{format_stem(start)}.{fmt}")
    result.target = target
    _normalize(
        calib,
        instrument,
        det,
        camera_filter,
        start,
        end,
        now,
        author,
        f"certified from {src.name}: {reason}" if keep_history else reason,
        result.notes,
        keep_history,
    )

    prov = _provenance(src, provenance_file, embedded_provenance, report, result.notes)
    _check_neighbours(target, start, end, report, result.notes)
    text = calib.toText(fmt)
    _validate(target, text, report, calib.source if calib.source is not None and calib.source.lines else None, label)
    prov_text = prov[1] if prov is not None else None
    if prov_text is not None:
        if provenance.sidecar_of(target).exists():
            report.error(display(provenance.sidecar_of(target)), "certify", "a provenance file is already there")
    if not report.ok:
        return result
    # The provenance first, the calibration last: its appearance completes the certification. A run killed
    # in between leaves a provenance record without its calibration, which validate reports (and certify
    # refuses to overwrite).
    files = ([(provenance.sidecar_of(target), prov_text)] if prov_text is not None else []) + [(target, text)]
    written = _write_all(files)
    result.written = [target, *(p for p in written if p != target)]  # the calibration first, as promised
    return result


# ------------------------------------------------------------------------------------------ steps


def _instant(value: str | datetime, option: str) -> datetime:
    moment = parse_instant(value) if isinstance(value, str) else value
    if moment.microsecond:
        raise ObscalError(
            f"{option} {format_iso(moment)}: validity starts and ends are whole seconds (file names hold no more)"
        )
    return moment


def _read_source(src: Path, calib_type: str, report: Report, label: str) -> tuple[Calibration | None, dict | None]:
    try:
        fmt = formats.for_path(src)
        if fmt is not None and not fmt.text:
            calib = Calibration.readFits(src, calib_type) if fmt.name == "fits" else None
            if calib is None:
                raise ObscalError(f"{fmt.name} sources cannot be certified")
            return calib, calib.source.fits.provenance if calib.source and calib.source.fits else None
        doc = read_document(src)
        cls, name = Calibration.dispatch(doc.metadata, calib_type)
        return cls.from_document(doc, name), None
    except ParseError as exc:
        report.error(label, "parse", exc.message, line=exc.line, pointer=exc.pointer, hint=exc.hint)
    except ObscalError as exc:
        report.error(label, "parse", str(exc))
    return None, None


def _place(
    root: Path,
    instrument: str,
    calib_type: str,
    detector: str | int | None,
    filter_name: str | None,
    start: datetime,
    report: Report,
) -> tuple[str, Detector | None, str | None, str | None] | None:
    """Instrument directory name, camera detector, filter directory and camera filter name, or None."""
    dims = registry.dimensions()[calib_type]
    where = display(root)
    known = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []
    match = next((k for k in known if k.lower() == instrument.lower()), None)
    if match is None and calib_type != "camera":
        report.error(
            where,
            "certify",
            f"no instrument {instrument!r} in {where} (instruments: {', '.join(known) or 'none'})",
            hint="a new instrument starts with its camera description: certify a camera file first",
        )
        return None
    instrument = match or instrument
    camera = Package.open(root).camera(instrument, start) if match and calib_type != "camera" else None
    det = filt_dir = filter_value = None
    if "detector" in dims:
        if detector in (None, ""):
            report.error(where, "certify", f"{calib_type} is per detector: give --detector (id or name)")
            return None
        if camera is None:
            report.error(
                where,
                "certify",
                f"no camera description of {instrument} is valid at {format_iso(start)}",
                hint="the camera maps detector ids and names; certify or date one earlier",
            )
            return None
        text = str(detector).strip()
        det = camera.find_detector(detector)
        if det is None:
            names = sorted(d.name for d in camera.detectors)
            near = closest(dirname(text), camera.detector_dirs())
            listing = ", ".join(names[:20]) + (f" and {len(names) - 20} more" if len(names) > 20 else "")
            report.error(
                where,
                "certify",
                f"the camera valid at {format_iso(start)} has no detector {text!r}"
                + (f"; did you mean {camera.detector_by_dir(near).name!r}?" if near else ""),  # type: ignore[union-attr]
                hint=f"detectors: {listing}",
            )
            return None
    elif detector not in (None, ""):
        report.error(where, "certify", f"{calib_type} does not depend on the detector: leave --detector out")
        return None
    if "physical_filter" in dims:
        if not filter_name:
            report.error(where, "certify", f"{calib_type} is per physical filter: give --filter")
            return None
        filt_dir = dirname(filter_name)
        spec = camera.filter_by_dir(filt_dir) if camera is not None else None
        filter_value = spec["name"] if spec else filter_name  # the validator reports a filter the camera lacks
    elif filter_name:
        report.error(where, "certify", f"{calib_type} does not depend on the filter: leave --filter out")
        return None
    return instrument, det, filt_dir, filter_value


def _check_identity(
    calib: Calibration,
    instrument: str,
    det: Detector | None,
    filter_value: str | None,
    report: Report,
    label: str,
    notes: list[str],
) -> None:
    """The source must not say it is another kind, detector or filter than it is being certified as."""
    md = calib.getMetadata()
    expected = calib.expected_obstype(calib.dataset_type)
    obstype = md.get("OBSTYPE")
    if obstype not in (None, "") and str(obstype).lower() != expected.lower():
        report.error(
            label,
            "certify",
            f"the source is OBSTYPE {obstype!r}, not {calib.dataset_type}",
            pointer="/metadata/OBSTYPE",
            hint="check --type, or the source file",
        )
    value = md.get("DETECTOR")
    if det is not None and value not in (None, "") and str(value) != str(det.id):
        report.error(
            label,
            "certify",
            f"the source is for DETECTOR {value}, not {det.id} ({det.name})",
            pointer="/metadata/DETECTOR",
            hint="check --detector, or the source file",
        )
    for key in ("DET_NAME", "DETECTOR_NAME"):
        name = md.get(key)
        if det is not None and name not in (None, "") and str(name).lower() != det.name.lower():
            report.error(
                label,
                "certify",
                f"the source is for {key} {name!r}, not {det.name}",
                pointer=f"/metadata/{key}",
                hint="check --detector, or the source file",
            )
    value = md.get("FILTER")
    if filter_value is not None and value not in (None, "") and str(value).lower() != filter_value.lower():
        report.error(
            label,
            "certify",
            f"the source is for FILTER {value!r}, not {filter_value!r}",
            pointer="/metadata/FILTER",
            hint="check --filter, or the source file",
        )
    source_instrument = md.get("INSTRUME")
    if source_instrument not in (None, "") and str(source_instrument).lower() != instrument.lower():
        notes.append(f"INSTRUME {source_instrument!r} of the source becomes {instrument!r} (the package's name)")


def _refuse_near_misses(calib: Calibration, report: Report, label: str) -> None:
    """A source key that is almost a known key (``DETECTR``) is a typo: refused, not written into the package."""
    schemas = default_schemas()
    schema = schemas.get(calib.schema_family, calib.VERSION)
    if schema is None:
        return
    known = schemas.metadata_keys(schema)
    for key in calib.getMetadata():
        if key in known:
            continue
        # Only a close miss (one or two letters off) is refused: other unknown keys are kept, with a warning.
        near = next(iter(difflib.get_close_matches(key, list(known), n=1, cutoff=0.85)), None)
        if near is not None:
            report.error(
                label,
                "certify",
                f"the source key {key!r} is not a known key; did you mean {near!r}?",
                pointer=f"/metadata/{key}",
                hint="correct the source: certify would otherwise write the misspelt key into the package",
            )


def _text_format(src: Path, calib: Calibration) -> str:
    """The text format of the certified file: the source's when it is ECSV or YAML, else the type's default."""
    fmt = formats.for_path(src)
    if fmt is not None and fmt.name in ("ecsv", "yaml"):
        return fmt.name
    return "ecsv" if calib.default_format == "ecsv" and len(calib.tables()) == 1 else "yaml"


def _normalize(
    calib: Calibration,
    instrument: str,
    det: Detector | None,
    filter_value: str | None,
    start: datetime,
    end: datetime | None,
    now: datetime,
    author: str,
    record: str,
    notes: list[str],
    keep_history: bool = True,
) -> None:
    """Rewrite the metadata in DMTN-148 order: standard keys first, the source's other keys, edit records last."""
    old = dict(calib.getMetadata())
    cls, name = type(calib), calib.dataset_type
    prefix = cls.schema_prefix(name)
    created = recorded_creation(old) if keep_history else None  # a new template is created now
    if created is None:
        created = creation_pair(now)
        notes.append("the source gives no creation date or time: the certification time is used")
    serial = old.get("DET_SER")
    new = standard_metadata(
        cls,
        name,
        instrument=instrument,
        valid_start=start,
        valid_end=end,
        created=created,
        detector=det,
        serial=str(serial) if serial not in (None, "") else None,
        physical_filter=filter_value,
        version=calib.version or cls.LEGACY_VERSION or cls.VERSION,
        calibcls=old.get("CALIBCLS"),
        extra={"DETECTOR_NAME": det.name} if det is not None and "DETECTOR_NAME" in old else None,
    )
    for key, value in old.items():
        standard = key in new or key in DERIVED_KEYS or key == EDIT_HISTORY
        if not standard and not key.endswith(("_SCHEMA", "_VERSION")):
            new[key] = value
        elif key.endswith(("_SCHEMA", "_VERSION")) and key not in new and not key.startswith(prefix):
            new[key] = value  # e.g. the legacy DEFECTS_SCHEMA_VERSION of old HSC files
    earlier = edit_records(old) if keep_history else []
    new[EDIT_HISTORY] = [*earlier, format_edit_record(now, author, record)]
    calib.setMetadata(new)


def _provenance(
    src: Path, explicit: str | Path | None, embedded: dict | None, report: Report, notes: list[str]
) -> tuple[dict, str] | None:
    """The provenance to write beside the new file, checked, and its text: a given file (kept verbatim,
    comments included), what a FITS source carries, or the sidecar beside the source."""
    schemas = default_schemas()
    path = Path(explicit) if explicit else None
    beside = provenance.sidecar_of(src)
    if path is None and embedded is None and beside.is_file():
        path = beside
        notes.append(f"provenance taken from {beside}")
    if path is None:
        if embedded is None:
            return None
        ok = records.check_provenance_data(embedded, schemas, report, f"{display(src)} (OBSCAL PROVENANCE)")
        return (embedded, dump_data(embedded)) if ok else None
    if not path.is_file():
        report.error(display(path), "provenance", "no such file")
        return None
    try:
        data, index = provenance.load(path)
    except ParseError as exc:
        report.error(display(path), "provenance", exc.message, line=exc.line)
        return None
    if not records.check_mapping(data, index, provenance.FAMILY, "provenance_version", schemas, report, display(path)):
        return None
    if embedded is not None and embedded != data:
        notes.append(f"the provenance carried in {src.name} is replaced by {path.name}")
    return data, path.read_text(encoding="utf-8")


def _check_neighbours(target: Path, start: datetime, end: datetime | None, report: Report, notes: list[str]) -> None:
    """Refuse an existing file or a range that conflicts with the directory's other files; note what changes."""
    directory = target.parent
    entries = []
    if directory.is_dir():
        for path in sorted(p for p in directory.iterdir() if is_calibration_file(p.name)):
            try:
                entries.append(entry_on_disk(path))
            except (ParseError, OSError) as exc:
                report.error(
                    display(path),
                    "certify",
                    f"a neighbour cannot be read: {getattr(exc, 'message', exc)}",
                    hint="run obscal validate on the directory",
                )
    label = display(target)
    for e in entries:
        if e.path.name == target.name:
            report.error(
                label,
                "certify",
                "the file already exists; certify never overwrites",
                hint="choose another --valid-start; to replace a bad file, certify the new one with its own start, "
                "then: obscal deprecate OLD --superseded-by NEW",
            )
            return
        if e.start == start:
            report.error(
                label,
                "certify",
                f"conflicts with {e.path.name}, which starts at the same instant {format_iso(start)}",
                hint="one file per validity start: choose another --valid-start",
            )
            return
    new = validity.Entry(target, start, end)
    before = set(validity.check_group(entries))
    for f in validity.check_group([*entries, new]):
        if f in before or f.severity is not Severity.ERROR:
            continue
        if f.path == target:
            report.error(label, "certify", f.message, hint=f.hint)
        else:
            report.error(label, "certify", f"conflicts with {f.path.name}: {f.message}", hint=f.hint)
    own = {r.path.name: r for r in validity.own_ranges(entries)}
    for r in validity.own_ranges([*entries, new]):
        was = own.get(r.path.name)
        if was is not None and was.end != r.end:
            notes.append(f"{r.path.name} now ends at {r.end_iso} (was {was.end_iso or 'open'})")


def _validate(target: Path, text: str, report: Report, source: Document | None = None, source_label: str = "") -> None:
    """The strict validator on the new file as it would be written (nothing touches the disk)."""
    try:
        doc = read_document(target, text.encode("utf-8"))
        found = validate_document(target, doc, "strict")
    except ParseError as exc:
        report.error(display(target), "certify", f"the normalized file does not read back: {exc.message}")
        return
    report.problems.extend(_on_source(p, source, source_label) for p in found.problems)
    report.files_checked += found.files_checked


def _on_source(problem: Problem, source: Document | None, label: str) -> Problem:
    """A problem with the values (not the metadata certify rewrites) is shown at its place in the source."""
    pointer = problem.pointer or ""
    if source is None or not pointer or pointer.startswith("/metadata") or problem.code is Code.VALIDITY:
        return problem
    path = [
        int(step) if step.isdigit() else step.replace("~1", "/").replace("~0", "~") for step in pointer[1:].split("/")
    ]
    return replace(problem, file=label, line=source.line_of(path))


def _write_all(files: list[tuple[Path, str]]) -> list[Path]:
    """Write every file or none (:func:`obscal.io.atomic.write_all`)."""
    return write_all([(target, text.encode("utf-8")) for target, text in files])
