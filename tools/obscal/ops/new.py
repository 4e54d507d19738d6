"""``obscal new``: a valid calibration to edit, at the right path, for a new validity start.

The template is the calibration of that type valid at the new start in the same directory (else the
directory's latest, else the instrument's latest of the type for another detector or filter): its values
are the starting point to edit, and :func:`obscal.ops.certify.certify` gives it the identity of its new
place from the camera description (``DETECTOR``, ``DET_NAME``/``DET_SER``, ``FILTER``, ``CALIB_ID``,
``CALIBDATE``), a fresh edit history of one record, strict validation and the checks of its neighbours.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from obscal.model.identity import dirname
from obscal.model.instants import parse_instant
from obscal.model.problems import ObscalError
from obscal.ops.certify import certify
from obscal.ops.results import OperationResult
from obscal.store.package import Package


def new(
    calib_type: str,
    *,
    instrument: str,
    valid_start: str | datetime,
    root: str | Path = "obs_data",
    detector: str | int | None = None,
    filter: str | None = None,
    author: str | None = None,
    reason: str | None = None,
) -> OperationResult:
    """Write a template of ``calib_type`` valid from ``valid_start`` for the detector and filter given.

    Returns
    -------
    OperationResult
        ``target`` (the new file), the files written (none when refused) and notes (the template used).

    Raises
    ------
    ObscalError
        An unknown instrument, type, detector or filter, a bad date, or no calibration of the type to start
        from (then bring the first one in with ``obscal certify``).
    """
    start = parse_instant(valid_start) if isinstance(valid_start, str) else valid_start
    pkg = Package.open(root)
    instrument = pkg._instrument(instrument)
    if calib_type not in pkg.types(instrument):
        raise ObscalError(
            f"{instrument} has no {calib_type} to start from: bring the first one in with obscal certify "
            f"(types here: {', '.join(pkg.types(instrument)) or 'none'})"
        )
    source = _template(pkg, instrument, calib_type, detector, filter, start)
    text = reason or "new epoch from the obscal template: values still those of the template, to be edited"
    result = certify(
        source, instrument=instrument, calib_type=calib_type, valid_start=start, reason=text, root=pkg.root,
        detector=detector, filter=filter, author=author, keep_history=False,
    )  # fmt: skip
    result.notes.insert(0, f"template: {source} (its values, to edit)")
    return result


def _template(pkg: Package, instrument: str, calib_type: str, detector, filter, start: datetime) -> Path:
    """The file whose values start the new one: the same directory first, then the type's latest."""
    keys = pkg.groups(instrument, calib_type)
    wanted_det = dirname(str(detector)) if detector not in (None, "") else None
    camera = pkg.camera(instrument, start)
    if camera is not None and detector not in (None, ""):
        found = camera.find_detector(detector)
        wanted_det = dirname(found.name) if found is not None else wanted_det
    wanted_filter = dirname(filter) if filter else None
    same = [k for k in keys if k[2] == wanted_det and k[3] == wanted_filter]
    for group in (same, keys):
        candidates = []
        for key in group:
            timeline = pkg.timeline(key)
            answer = timeline.lookup(start)
            if answer.found is not None:
                return answer.found.path
            candidates += [r for r in timeline.effective]
        if candidates:
            return max(candidates, key=lambda r: (r.start, r.path.as_posix())).path
    raise ObscalError(f"no {calib_type} of {instrument} to start from: bring the first one in with obscal certify")
