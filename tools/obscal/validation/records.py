"""Checking the records that sit beside calibrations: provenance and deprecation sidecars.

Each is a YAML mapping checked against the JSON Schema of its family (``schemas/provenance``,
``schemas/deprecation``); a record without its calibration is reported too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from obscal.model.lines import LineIndex
from obscal.model.problems import ParseError, Report, Severity
from obscal.model.validity import Deprecation
from obscal.store import deprecation, provenance, sidecars
from obscal.validation.schemas import SchemaSet


def check_mapping(
    content: dict, index: LineIndex, family: str, version_key: str, schemas: SchemaSet, report: Report,
    display: str,
) -> bool:  # fmt: skip
    """Check a parsed sidecar against its family's schema (the version it declares); report every issue."""
    version = str(content.get(version_key, schemas.versions(family)[-1]))
    schema = schemas.get(family, version)
    if schema is None:
        report.error(
            display,
            family,
            f"{version_key} {content.get(version_key)!r} is not known (known: {', '.join(schemas.versions(family))})",
            line=index.line_of(content, [version_key]),
        )
        return False
    ok = True
    for issue in schemas.check(schema, content):
        ok = False
        where = "/".join(str(p) for p in issue.path) or "file"
        line = index.line_of(content, list(issue.path)) or index.line_of(content, list(issue.path[:1]))
        report.add(
            display, Severity.ERROR, family, f"{where}: {issue.message}", line=line, pointer=issue.pointer,
            hint=issue.hint,
        )  # fmt: skip
    return ok


def check_orphan(path: Path, suffix: str, family: str, report: Report, display: str) -> bool:
    """Report a sidecar that has no calibration beside it."""
    if sidecars.calibrations_of(path, suffix):
        return True
    report.error(
        display,
        family,
        "no calibration file beside it has this validity start",
        hint=f"name it after its calibration: <validStart>{suffix}",
    )
    return False


def check_provenance(path: Path, schemas: SchemaSet, report: Report, display: str) -> dict | None:
    """Validate one provenance sidecar into ``report``; return its data when it is valid."""
    try:
        data, index = provenance.load(path)
    except ParseError as exc:
        report.error(display, provenance.FAMILY, exc.message, line=exc.line, hint=exc.hint)
        return None
    ok = check_mapping(data, index, provenance.FAMILY, "provenance_version", schemas, report, display)
    ok = check_orphan(path, provenance.SUFFIX, provenance.FAMILY, report, display) and ok
    return data if ok else None


def check_provenance_data(data: Any, schemas: SchemaSet, report: Report, display: str) -> bool:
    """Validate provenance held in memory (e.g. read from a FITS file) into ``report``."""
    if not isinstance(data, dict):
        report.error(
            display, provenance.FAMILY, "provenance must be a mapping (provenance_version, inputs, config, ...)"
        )
        return False
    return check_mapping(data, LineIndex(), provenance.FAMILY, "provenance_version", schemas, report, display)


def check_deprecation(path: Path, schemas: SchemaSet, report: Report, display: str) -> Deprecation | None:
    """Validate one deprecation record into ``report``; return the record when it is valid."""
    try:
        data, index = sidecars.load(path, "deprecation")
    except ParseError as exc:
        report.error(display, deprecation.FAMILY, exc.message, line=exc.line, hint=exc.hint)
        return None
    ok = check_mapping(data, index, deprecation.FAMILY, "deprecation_version", schemas, report, display)
    ok = check_orphan(path, deprecation.SUFFIX, deprecation.FAMILY, report, display) and ok
    return deprecation.from_mapping(data) if ok else None
