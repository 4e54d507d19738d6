"""Deprecation: a calibration found bad is marked, not deleted, so that history stays reproducible.

The record is a ``<validStart>.deprecated.yaml`` sidecar (``schemas/deprecation/``) beside the
calibration: who, when, why, and optionally the replacement (a file in the same directory) that takes
over its validity interval. Lookups and exports leave deprecated files out (:mod:`obscal.validity`);
the validator keeps checking them and says they are deprecated. Deleting the sidecar undoes it.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from obscal.io.atomic import write_text as write_atomic
from obscal.io.safeyaml import dump_data as dump_yaml
from obscal.model import registry
from obscal.model.instants import format_instant, utc_now
from obscal.model.layout import is_calibration_file, resolve
from obscal.model.problems import ObscalError, ParseError, Report
from obscal.model.validity import Deprecation, Entry, explicit_end_in, start_of
from obscal.store import sidecars

if TYPE_CHECKING:
    from obscal.validation.schemas import SchemaSet

SUFFIX = ".deprecated.yaml"
FAMILY, VERSION = "deprecation", "1.0"


def sidecar_of(calibration: Path) -> Path:
    return sidecars.path_for(calibration, SUFFIX)


def from_mapping(data: dict) -> Deprecation:
    """The record of a parsed (schema-valid) sidecar."""
    return Deprecation(
        date=str(data.get("date", "")),
        author=str(data.get("author", "")),
        reason=str(data.get("reason", "")),
        superseded_by=str(data["superseded_by"]) if data.get("superseded_by") else None,
    )


def parse(data: bytes) -> Deprecation:
    """The record in sidecar bytes (raises :class:`ParseError`; not checked against the schema)."""
    content, _ = sidecars.parse(data, "deprecation")
    return from_mapping(content)


def entry_on_disk(path: Path) -> Entry:
    """What the validity model needs of a calibration file on disk: its start, explicit end and record.

    Raises :class:`ParseError` (or ``OSError``) when the name, the file or its record cannot be read.
    """
    side = sidecar_of(path)
    record = parse(side.read_bytes()) if side.is_file() else None
    return Entry(path, start_of(path), explicit_end_in(path, path.read_bytes()), record)


def find(paths: list[Path]):
    return sidecars.find(paths, SUFFIX)


def check(path: Path, schemas: SchemaSet, report: Report, display: str) -> Deprecation | None:
    """Validate one sidecar into ``report``; return its record when it is valid."""
    try:
        data, index = sidecars.load(path, "deprecation")
    except ParseError as exc:
        report.error(display, FAMILY, exc.message, line=exc.line, hint=exc.hint)
        return None
    ok = sidecars.check(data, index, FAMILY, "deprecation_version", schemas, report, display)
    ok = sidecars.check_orphan(path, SUFFIX, FAMILY, report, display) and ok
    return from_mapping(data) if ok else None


def deprecate(
    path: str | Path,
    reason: str,
    *,
    superseded_by: str | Path | None = None,
    author: str | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Record that ``path`` must no longer be used; return the files written (its record first).

    Records that named ``path`` as their replacement are re-pointed to the new replacement.

    Refuses (:class:`ObscalError`, nothing written) a file that is not a calibration in the package
    layout, one already deprecated, an empty reason, and a replacement that is missing, not in the same
    directory, the file itself, or deprecated.
    """
    path = Path(path)
    if not path.is_file():
        raise ObscalError(f"{path}: no such calibration file")
    if not is_calibration_file(path.name):
        raise ObscalError(f"{path}: not a calibration file (.ecsv, .yaml or .json, not a sidecar)")
    try:
        resolve(path.absolute(), registry.dimensions())
    except ParseError as exc:
        raise ObscalError(f"{path}: {exc.message}") from None
    sidecar = sidecar_of(path)
    if sidecar.exists():
        try:
            existing = parse(sidecar.read_bytes()).summary()
        except ParseError:
            existing = "see the file"
        raise ObscalError(f"{path} is already deprecated ({sidecar.name}: {existing})")
    if not reason.strip():
        raise ObscalError("give a reason (--reason): it is what the next person needs to know")
    from obscal.store.git import user_name  # GitPython only when a default author is needed

    author = (author or user_name(path)).strip()
    if not author:
        raise ObscalError("no author: pass --author NAME, or set git config user.name")
    replacement = _replacement(path, Path(superseded_by)) if superseded_by is not None else None
    pointing = _records_naming(path)
    if pointing and replacement is None:
        names = ", ".join(side.name for side, _ in pointing)
        raise ObscalError(
            f"{path.name} is the replacement named by {names}: give --superseded-by so that those records are "
            "re-pointed to the new replacement, or edit them first"
        )
    record: dict = {
        "deprecation_version": VERSION,
        "date": format_instant(now or utc_now()),
        "author": author,
        "reason": reason.strip(),
    }
    if replacement is not None:
        record["superseded_by"] = replacement
    for side, data in pointing:  # a chain is kept one step long: earlier records name the new replacement
        write_atomic(side, dump_yaml({**data, "superseded_by": replacement}))
    write_atomic(sidecar, dump_yaml(record))
    return [sidecar, *(side for side, _ in pointing)]


def _records_naming(path: Path) -> list[tuple[Path, dict]]:
    """The deprecation records in ``path``'s directory that name it as their replacement."""
    out = []
    for side in sorted(path.parent.glob("*" + SUFFIX)):
        try:
            data, _ = sidecars.load(side, "deprecation")
        except ParseError:
            continue
        if data.get("superseded_by") == path.name:
            out.append((side, data))
    return out


def _replacement(path: Path, replacement: Path) -> str:
    if replacement.name == replacement.as_posix() and not replacement.exists():
        replacement = path.with_name(replacement.name)  # a bare file name: in the same directory
    if not replacement.is_file():
        raise ObscalError(f"the replacement {replacement} does not exist")
    if replacement.absolute().parent.resolve() != path.absolute().parent.resolve():
        raise ObscalError(
            f"the replacement {replacement} is not in the directory of {path.name}: a replacement must have "
            "the same instrument, type, detector and filter"
        )
    if replacement.name == path.name:
        raise ObscalError(f"{path.name} cannot replace itself")
    if not is_calibration_file(replacement.name):
        raise ObscalError(f"the replacement {replacement} is not a calibration file")
    if sidecar_of(replacement).exists():
        raise ObscalError(f"the replacement {replacement.name} is itself deprecated")
    return replacement.name
