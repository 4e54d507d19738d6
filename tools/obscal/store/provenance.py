"""Construction provenance: the ``<validStart>.provenance.yaml`` sidecar beside a calibration.

It records what a pipeline built the calibration from (the data id of every input), with which
configuration, and optional statistics. ``schemas/provenance/`` defines it; the validator checks it
and ``obscal convert`` carries it into the FITS file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from obscal.model.lines import LineIndex
from obscal.model.problems import ParseError, Report
from obscal.store import sidecars

if TYPE_CHECKING:
    from obscal.validation.schemas import SchemaSet

SUFFIX = ".provenance.yaml"
FAMILY, VERSION = "provenance", "1.0"


def sidecar_of(calibration: Path) -> Path:
    """Where the provenance of ``calibration`` lives: same directory, same validity start."""
    return sidecars.path_for(calibration, SUFFIX)


def calibrations_of(sidecar: Path) -> list[Path]:
    """The calibration file(s) a sidecar belongs to (normally exactly one)."""
    return sidecars.calibrations_of(sidecar, SUFFIX)


def load(path: Path) -> tuple[Any, LineIndex]:
    """Parse a sidecar with the safe loader (raises :class:`ParseError`)."""
    return sidecars.load(path, "provenance")


def find(paths: Iterable[Path]) -> Iterator[Path]:
    """Every provenance sidecar under ``paths``."""
    return sidecars.find(paths, SUFFIX)


def check(path: Path, schemas: SchemaSet, report: Report, display: str) -> dict | None:
    """Validate one sidecar into ``report``; return its data when it is valid."""
    try:
        data, index = load(path)
    except ParseError as exc:
        report.error(display, FAMILY, exc.message, line=exc.line, hint=exc.hint)
        return None
    ok = sidecars.check(data, index, FAMILY, "provenance_version", schemas, report, display)
    ok = sidecars.check_orphan(path, SUFFIX, FAMILY, report, display) and ok
    return data if ok else None


def check_data(data: Any, schemas: SchemaSet, report: Report, display: str) -> bool:
    """Validate provenance held in memory (e.g. read from a FITS file) into ``report``."""
    if not isinstance(data, dict):
        report.error(display, FAMILY, "provenance must be a mapping (provenance_version, inputs, config, ...)")
        return False
    return sidecars.check(data, LineIndex(), FAMILY, "provenance_version", schemas, report, display)
