"""``obscal record``: append a manual-edit record to calibration files, values untouched.

The record is ``<YYYY-MM-DDTHH:MM:SSZ> | <author> | <reason>`` (:func:`obscal.model.identity.format_edit_record`),
appended to ``EDIT_HISTORY``; the rest of each file is kept (read back and compared before anything is
written), and all files are written or none.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from obscal.io.atomic import write_all
from obscal.model import registry
from obscal.model.formats import read_document
from obscal.model.identity import EDIT_HISTORY, edit_records, format_edit_record
from obscal.model.instants import utc_now
from obscal.model.layout import resolve
from obscal.model.problems import Code, ObscalError, ParseError
from obscal.ops.results import OperationResult
from obscal.ops.rewrite import RewriteError, rewritten
from obscal.validation.validator import display


def record(
    paths: list[str | Path], reason: str, author: str | None = None, now: datetime | None = None
) -> OperationResult:
    """Append the edit record ``reason`` by ``author`` to each calibration file of ``paths``.

    Returns
    -------
    OperationResult
        The files written (all, or none when one cannot be read or rewritten).

    Raises
    ------
    ObscalError
        No reason, no author (and no git ``user.name``), an author with ``|``, or a path that is not a file.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise ObscalError('give a reason (--reason "what changed and why"): it is the record')
    files = [Path(p) for p in paths]
    missing = [str(p) for p in files if not p.is_file()]
    if missing:
        raise ObscalError(f"not a file: {', '.join(missing)}")
    from obscal.store.git import edit_author

    entry = format_edit_record(now or utc_now(), edit_author(author, files[0] if files else Path.cwd()), reason)
    result = OperationResult()
    types, dims = registry.load_types(), registry.dimensions()
    writes = []
    for path in files:
        shown = display(path)
        try:
            info = resolve(Path(path).absolute(), dims)
            calib = types[info.calib_type].from_document(read_document(path), info.calib_type)
        except ParseError as exc:
            result.report.error(shown, Code.PARSE, exc.message, line=exc.line, hint=exc.hint)
            continue
        metadata = dict(calib.getMetadata())
        history = edit_records(metadata)
        metadata.pop(EDIT_HISTORY, None)
        metadata[EDIT_HISTORY] = [*history, entry]
        try:
            writes.append((path, rewritten(calib, path, metadata).encode("utf-8")))
        except RewriteError as exc:
            result.report.internal(shown, exc)
    if result.ok:
        result.written = write_all(writes, replace=True)
        result.notes.append(f"recorded: {entry}")
    return result
