"""What a lookup found and what a timeline holds, as plain records (the API behind ``lookup``/``timeline``).

:func:`lookup` composes the question (instant, directory, detector id or name) and the answer;
the command line only renders the record (:mod:`obscal.cli.views`).
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from obscal.model.identity import closest, dirname, edit_records
from obscal.model.instants import format_utc, parse_instant
from obscal.model.problems import ObscalError, ParseError
from obscal.model.validity import Answer, ValidityRange
from obscal.store.cameras import CameraError
from obscal.store.package import GroupKey, Package


def _when(moment: datetime | None) -> str | None:
    return format_utc(moment) if moment is not None else None


def _range(pkg: Package, r: ValidityRange | None, details: bool = False) -> dict | None:
    if r is None:
        return None
    out: dict = {
        "path": r.path.as_posix(),
        "valid_start": _when(r.start),
        "valid_end": _when(r.end),
        "explicit_end": r.explicit_end,
    }
    if r.via is not None:
        out["replaces"] = r.via.as_posix()
    if details:
        commits = pkg.history(r.path)
        out["last_commit"] = (
            {"sha": commits[0].sha, "date": commits[0].date + "Z", "author": commits[0].author,
             "subject": commits[0].subject}
            if commits else None
        )  # fmt: skip
        try:
            edits = edit_records(pkg.read(r.path).getMetadata())
        except ParseError as exc:
            edits = [f"(cannot be read: {exc.message})"]
        out["edit_history"] = edits
    return out


def answer_record(pkg: Package, key: GroupKey, answer: Answer) -> dict:
    """Everything a lookup found out, as plain data."""
    instrument, calib_type, detector, filt = key
    dep = answer.deprecated
    return {
        "instrument": instrument,
        "type": calib_type,
        "detector": detector,
        "filter": filt,
        "date": _when(answer.moment),
        "as_of": {"rev": pkg.rev, "commit": pkg.commit} if pkg.rev else None,
        "found": answer.ok,
        "why": answer.why,
        "reason": answer.reason,
        "calibration": _range(pkg, answer.found, details=True),
        "deprecated": (
            {
                "path": dep.path.as_posix(),
                "valid_start": _when(dep.start),
                "valid_end": _when(dep.end),
                "date": dep.deprecation.date,
                "author": dep.deprecation.author,
                "reason": dep.deprecation.reason,
                "superseded_by": dep.deprecation.superseded_by,
            }
            if dep is not None and dep.deprecation is not None
            else None
        ),
        "previous": _range(pkg, answer.previous),
        "next": _range(pkg, answer.following),
    }


# ------------------------------------------------------------------------------------------ timeline


def timeline_rows(pkg: Package, keys: list[GroupKey]) -> list[dict]:
    """Per directory, every file's own range in order, with gaps between them as rows of their own."""
    rows = []
    for key in keys:
        _, calib_type, detector, filt = key
        base = {"type": calib_type, "detector": detector, "filter": filt}
        timeline = pkg.timeline(key)
        replaced = {r.via: r.path for r in timeline.effective if r.via is not None}
        previous_end: datetime | None = None
        for r in timeline.own:
            if previous_end is not None and r.start > previous_end:
                rows.append({**base, "start": _when(previous_end), "end": _when(r.start), "file": None, "note": "gap"})
            notes = []
            if r.deprecation is not None:
                by = replaced.get(r.path)
                notes.append(f"DEPRECATED, covered by {by.name}" if by else "DEPRECATED: gap")
            if r.explicit_end:
                notes.append("VALIDEND")
            if r.duplicate:
                notes.append("DUPLICATE START")
            rows.append(
                {**base, "start": _when(r.start), "end": _when(r.end), "file": r.path.name, "note": ", ".join(notes)}
            )
            previous_end = r.end
        if timeline.own and previous_end is not None:
            rows.append(
                {**base, "start": _when(previous_end), "end": None, "file": None, "note": "gap (after the last)"}
            )
    return rows


def lookup(
    root: str | Path,
    instrument: str,
    calib_type: str,
    when: str | datetime,
    detector: str | int | None = None,
    filter: str | None = None,
    as_of: str | None = None,
    butler: str | Path | None = None,
) -> tuple[dict, list[str]]:
    """Which calibration was valid at ``when``: the answer record, and warnings about files not indexed.

    With ``butler`` (a repository the package was ingested into), ``record["butler"]`` holds what that
    butler returns at the same instant, read back from its file, and whether it is the same calibration.

    Raises
    ------
    ObscalError
        Unknown instrument, type, detector or filter (with a suggestion), a bad date, or a bad revision.
    """
    moment = parse_instant(when) if isinstance(when, str) else when
    pkg = Package.open(root, rev=as_of)
    key = pkg.key(instrument, calib_type, detector, filter, moment)
    answer = pkg.timeline(key).lookup(moment)
    record = answer_record(pkg, key, answer)
    warnings = unindexed(pkg, [key])
    record["sensor_swap"] = None
    found = answer.found
    if found is not None and key[2] is not None and key[1] != "camera":
        try:
            swaps = pkg.cameras.sensor_swaps(key[0], key[2])
        except CameraError as exc:
            swaps = []
            warnings.append(f"{exc.path}: {exc.message}")
        crossed = [s for s in swaps if found.start < s.when <= moment]
        if crossed:
            swap = crossed[-1]
            record["sensor_swap"] = {
                "detector": swap.detector,
                "date": format_utc(swap.when),
                "old_serial": swap.old_serial,
                "new_serial": swap.new_serial,
            }
            warnings.append(
                f"{found.path}: {swap.describe()}, after this calibration's start {format_utc(found.start)}: "
                "it was made for the old sensor (add the new sensor's calibration, or end this one then)"
            )
    if butler is not None:
        record["butler"] = _butler_side(pkg, key, moment, butler, record)
    return record, warnings


def _butler_side(pkg: Package, key: GroupKey, moment: datetime, repo: str | Path, record: dict) -> dict:
    """The butler's answer at the same instant, and whether it is the package's calibration."""
    from obscal.ops.export import DATASET_TYPES
    from obscal.ops.ingest import butler_answer

    instrument, calib_type, detector, filt = key
    camera = pkg.camera(instrument, moment) or pkg.camera(instrument)
    if camera is None or calib_type not in DATASET_TYPES:
        raise ObscalError(f"{instrument} {calib_type} cannot be asked of a butler (no camera description or type)")
    data_id: dict = {"instrument": camera.name or instrument}
    dims = DATASET_TYPES[calib_type][1]
    if "detector" in dims:
        data_id["detector"] = camera.detector_by_dir(detector).id
    if "physical_filter" in dims:
        data_id["physical_filter"] = camera.filter_by_dir(filt)["name"]
    answer = butler_answer(repo, calib_type, data_id, moment)
    ours = record["calibration"]
    if ours is None:
        answer["agrees"] = not answer["found"]
    else:
        rel = Path(ours["path"]).resolve().relative_to(pkg.root.resolve()).as_posix() if pkg.rev is None else None
        answer["agrees"] = bool(answer["found"]) and (rel is None or answer.get("source") == rel)
    return answer


def timeline(
    root: str | Path,
    instrument: str,
    calib_type: str | None = None,
    as_of: str | None = None,
    detector: str | int | None = None,
) -> tuple[list[dict], list[str]]:
    """Every range of an instrument's calibrations (of one type, of one detector), and warnings about files
    not indexed.

    Raises
    ------
    ObscalError
        Unknown instrument, type or detector (with the closest name), or a bad revision.
    """
    pkg = Package.open(root, rev=as_of)
    keys = pkg.groups(instrument, calib_type)
    if detector not in (None, ""):
        text = str(detector).strip()
        camera = pkg.camera(instrument) if text.isdigit() else None
        found = camera.find_detector(text) if camera is not None else None
        wanted = dirname(found.name) if found is not None else dirname(text)
        known = sorted({k[2] for k in keys if k[2]})
        keys = [k for k in keys if k[2] == wanted]
        if not keys:
            near = closest(wanted, known)
            raise ObscalError(
                f"no calibrations of {instrument} for detector {text!r}"
                + (f"; did you mean {near!r}?" if near else f" (detectors: {', '.join(known) or 'none'})")
            )
    return timeline_rows(pkg, keys), unindexed(pkg, keys)


def unindexed(pkg: Package, keys: list[GroupKey]) -> list[str]:
    """Files of the directories asked about that could not be fully indexed (the answer may be incomplete)."""
    out = []
    for key in keys:
        prefix = "/".join(k for k in key if k) + "/"
        out.extend(
            f"{pkg.root / rel}: {why} (run obscal validate)" for rel, why in pkg.problems if rel.startswith(prefix)
        )
    return out
