"""Text views of the API's records: what ``obscal lookup`` and ``obscal timeline`` print for people."""

from __future__ import annotations

from pathlib import Path


def answer_text(record: dict) -> str:
    """A lookup record (:func:`obscal.ops.lookup.answer_record`) for people."""
    what = " ".join(str(x) for x in (record["instrument"], record["type"], record["detector"], record["filter"]) if x)
    head = f"{what} at {record['date']}" + (f" (as of {record['as_of']['rev']})" if record["as_of"] else "") + ":"
    lines = [head]
    cal = record["calibration"]
    if cal is None:
        lines.append(f"  no calibration is valid: {record['reason']}")
        for label, r in (("previous", record["previous"]), ("next", record["next"])):
            if r is not None:
                lines.append(f"  {label:9}{Path(r['path']).name} [{r['valid_start']}, {r['valid_end'] or 'open'})")
        return "\n".join(lines + _butler_lines(record)) + "\n"
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
    return "\n".join(lines + _butler_lines(record)) + "\n"


def _butler_lines(record: dict) -> list[str]:
    """The butler's answer beside the package's (``lookup --butler``)."""
    answer = record.get("butler")
    if answer is None:
        return []
    if not answer["found"]:
        verdict = "agrees" if answer["agrees"] else "DISAGREES"
        return [f"  butler   nothing: {answer['why']} ({verdict} with the package)"]
    verdict = "the same calibration" if answer["agrees"] else "DISAGREES with the package"
    return [
        f"  butler   {answer['source']} [{answer['valid_start']}, {answer['valid_end'] or 'open'}): {verdict}",
        f"           dataset {answer['dataset_id']} in {answer['run']}",
    ]


def timeline_text(rows: list[dict]) -> str:
    """Timeline rows (:func:`obscal.ops.lookup.timeline_rows`) as an aligned table."""
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
