"""``obscal deprecate``: record that a calibration must no longer be used (see :mod:`obscal.store.deprecation`)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from obscal.io.atomic import write_all
from obscal.io.safeyaml import dump_data
from obscal.io.text import read_bytes
from obscal.model import registry
from obscal.model.instants import format_iso, format_utc, utc_now
from obscal.model.layout import is_calibration_file, resolve
from obscal.model.problems import ObscalError, ParseError
from obscal.model.validity import own_ranges
from obscal.store import deprecation, sidecars
from obscal.store.deprecation import SUFFIX, VERSION, sidecar_of
from obscal.store.entries import entry_on_disk


def deprecate(
    path: str | Path,
    reason: str,
    *,
    superseded_by: str | Path | None = None,
    author: str | None = None,
    now: datetime | None = None,
) -> list[Path]:
    """Record that ``path`` must no longer be used; return the files written (its record first).

    Records that named ``path`` as their replacement are re-pointed to the new replacement, so chains
    stay one step long; the record and the re-pointed ones are written as one set.

    Parameters
    ----------
    path
        The calibration file.
    reason
        Why it must no longer be used.
    superseded_by
        A file of the same directory that covers its interval instead (path or file name).
    author
        Who deprecates it (default: git's ``user.name``).
    now
        The date of the record (default: now).

    Returns
    -------
    list of Path
        The deprecation record, then any record re-pointed.

    Raises
    ------
    ObscalError
        Not a calibration in the package layout, already deprecated, an empty reason, no author, a
        replacement that is missing, elsewhere, the file itself or deprecated, or the file is the
        replacement named by another record and no new replacement is given.
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
            existing = deprecation.parse(read_bytes(sidecar)).summary()
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
        "date": format_utc(now or utc_now()),
        "author": author,
        "reason": reason.strip(),
    }
    if replacement is not None:
        record["superseded_by"] = replacement
    # A chain is kept one step long: earlier records name the new replacement. The new record and the
    # re-pointed ones are written as one set, so an interruption leaves the old state or the new one.
    files = [(sidecar, dump_data(record).encode())]
    files += [(side, dump_data({**data, "superseded_by": replacement}).encode()) for side, data in pointing]
    return write_all(files, replace=True)


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


def gap_left(path: str | Path) -> str | None:
    """What deprecating ``path`` without a replacement leaves: the interval no calibration covers, in words.

    None when the file has a replacement (or is not deprecated).
    """
    path = Path(path)
    record = deprecation.sidecar_of(path)
    if not record.is_file() or deprecation.parse(read_bytes(record)).superseded_by:
        return None
    entries = []
    for sibling in sorted(p for p in path.parent.iterdir() if is_calibration_file(p.name)):
        try:
            entries.append(entry_on_disk(sibling))
        except (ParseError, OSError):
            continue
    own = next((r for r in own_ranges(entries) if r.path.name == path.name), None)
    if own is None:
        return None
    if own.end is None:
        return f"it leaves a gap: no calibration of this kind is valid from {format_iso(own.start)} onwards"
    days = (own.end - own.start).total_seconds() / 86400
    return (
        f"it leaves a gap: no calibration of this kind is valid from {format_iso(own.start)} until "
        f"{format_iso(own.end)} ({days:.4g} days); name a replacement with --superseded-by to cover it"
    )
