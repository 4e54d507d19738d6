"""Construction provenance: the ``<validStart>.provenance.yaml`` sidecar beside a calibration.

It records what a pipeline built the calibration from (the data id of every input), with which
configuration, and optional statistics. ``schemas/provenance/`` defines it; the validator checks it
and ``obscal convert`` carries it into the FITS file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from obscal.model.lines import LineIndex
from obscal.store import sidecars

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
