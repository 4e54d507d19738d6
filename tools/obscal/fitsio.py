"""FITS I/O in the LSST layout (empty primary HDU, one binary table per table).

The interface (:meth:`Calibration.writeFits` / :meth:`Calibration.readFits`) is fixed; the lossless,
provenance-stamped conversion is the subject of the FITS-conversion issue and is not written yet.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .problems import ObscalError

_NOT_YET = "FITS conversion is not implemented yet in this version of obscal (see the FITS-conversion issue)"


def write_fits(calib: Any, path: Path) -> Path:
    raise ObscalError(f"{_NOT_YET}; cannot write {path}")


def read_fits(cls: Any, path: Path, dataset_type: str | None) -> Any:
    raise ObscalError(f"{_NOT_YET}; cannot read {path}")
