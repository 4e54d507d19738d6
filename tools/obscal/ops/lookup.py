"""What ``obscal lookup`` and ``obscal timeline`` print: plain records (for JSON) and their text form."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from obscal.model.instants import format_instant
from obscal.model.problems import ParseError
from obscal.model.validity import Answer, ValidityRange
from obscal.store.package import GroupKey, Package
from obscal.validation.checks import EDIT_HISTORY


def _when(moment: datetime | None) -> str | None:
    return format_instant(moment) if moment is not None else None


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
            edits = pkg.read(r.path).getMetadata().get(EDIT_HISTORY) or []
        except ParseError as exc:
            edits = [f"(cannot be read: {exc.message})"]
        out["edit_history"] = [str(e) for e in (edits if isinstance(edits, list) else [edits])]
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


def answer_text(record: dict) -> str:
    what = " ".join(str(x) for x in (record["instrument"], record["type"], record["detector"], record["filter"]) if x)
    head = f"{what} at {record['date']}" + (f" (as of {record['as_of']['rev']})" if record["as_of"] else "") + ":"
    lines = [head]
    cal = record["calibration"]
    if cal is None:
        lines.append(f"  no calibration is valid: {record['reason']}")
        for label, r in (("previous", record["previous"]), ("next", record["next"])):
            if r is not None:
                lines.append(f"  {label:9}{Path(r['path']).name} [{r['valid_start']}, {r['valid_end'] or 'open'})")
        return "\n".join(lines) + "\n"
    lines.append(f"  file     {cal['path']}")
    end = cal["valid_end"] or "open"
    lines.append(f"  valid    [{cal['valid_start']}, {end})" + (" (explicit VALIDEND)" if cal["explicit_end"] else ""))
    dep = record["deprecated"]
    if dep is not None:
        lines.append(
            f"  replaces {Path(dep['path']).name}, deprecated {dep['date']} by {dep['author']}: {dep['reason']}"
        )
    commit = cal["last_commit"]
    lines.append(
        f"  commit   {commit['sha'][:12]} {commit['date']} {commit['author']}: {commit['subject']}"
        if commit else "  commit   (not committed)"
    )  # fmt: skip
    for i, edit in enumerate(cal["edit_history"]):
        lines.append(f"  {'edits' if i == 0 else '':9}{edit}")
    return "\n".join(lines) + "\n"


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


def timeline_text(rows: list[dict]) -> str:
    header = ("TYPE", "DETECTOR", "FILTER", "START", "END", "FILE", "NOTE")
    table = [header] + [
        (
            r["type"],
            r["detector"] or "-",
            r["filter"] or "-",
            r["start"],
            r["end"] or "open",
            r["file"] or "-",
            r["note"],
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    return "".join(
        "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n" for row in table
    )
