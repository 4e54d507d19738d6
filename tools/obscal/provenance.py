"""Construction provenance: the ``<validStart>.provenance.yaml`` sidecar beside a calibration.

It records what a pipeline built the calibration from (the data id of every input), with which
configuration, and optional statistics. ``schemas/provenance/`` defines it; the validator checks it
and ``obscal convert`` carries it into the FITS file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import safeyaml
from .layout import CALIB_EXTENSIONS
from .problems import ParseError, Report, Severity
from .textio import _decode

if TYPE_CHECKING:
    from .schemas import SchemaSet

SUFFIX = ".provenance.yaml"
FAMILY, VERSION = "provenance", "1.0"


def sidecar_of(calibration: Path) -> Path:
    """Where the provenance of ``calibration`` lives: same directory, same validity start."""
    return calibration.with_name(calibration.name.rsplit(".", 1)[0] + SUFFIX)


def calibrations_of(sidecar: Path) -> list[Path]:
    """The calibration file(s) a sidecar belongs to (normally exactly one)."""
    stem = sidecar.name[: -len(SUFFIX)]
    return [p for ext in CALIB_EXTENSIONS if (p := sidecar.with_name(stem + ext)).is_file()]


def load(path: Path) -> tuple[Any, safeyaml.LineIndex]:
    """Parse a sidecar with the safe loader (raises :class:`ParseError`)."""
    try:
        text = _decode(path, path.read_bytes())
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}") from None
    data, index = safeyaml.load(text)
    if not isinstance(data, dict):
        raise ParseError("a provenance file is a mapping (provenance_version, inputs, config, ...)", line=1)
    return data, index


def find(paths: Iterable[Path]) -> Iterator[Path]:
    """Every sidecar under ``paths`` (directories walked; files taken when they are sidecars)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*" + SUFFIX) if not any(s.startswith(".") for s in p.parts))
        elif path.name.endswith(SUFFIX):
            yield path


def check(path: Path, schemas: SchemaSet, report: Report, display: str) -> dict | None:
    """Validate one sidecar into ``report``; return its data when it is valid."""
    try:
        data, index = load(path)
    except ParseError as exc:
        report.error(display, "provenance", exc.message, line=exc.line, hint=exc.hint)
        return None
    schema = schemas.get(FAMILY, str(data.get("provenance_version", VERSION)))
    if schema is None:
        known = ", ".join(schemas.versions(FAMILY))
        report.error(
            display,
            "provenance",
            f"provenance_version {data.get('provenance_version')!r} is not known (known: {known})",
            line=index.line_of(data, ["provenance_version"]),
        )
        return None
    ok = True
    for issue in schemas.check(schema, data):
        ok = False
        where = "/".join(str(p) for p in issue.path) or "file"
        line = index.line_of(data, list(issue.path)) or index.line_of(data, list(issue.path[:1]))
        report.add(
            display, Severity.ERROR, "provenance", f"{where}: {issue.message}", line=line,
            pointer=issue.pointer, hint=issue.hint,
        )  # fmt: skip
    if not calibrations_of(path):
        ok = False
        report.error(
            display,
            "provenance",
            "no calibration file beside it has this validity start",
            hint=f"name it after its calibration: <validStart>{SUFFIX}",
        )
    return data if ok else None
