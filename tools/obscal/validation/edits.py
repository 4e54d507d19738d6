"""Edits must be recorded: a calibration changed since a revision needs a new edit-history entry.

DMTN-148 keeps the manual-edit records (name, date, reason) in the file. :func:`check_recorded_edits`
compares each calibration file with its version at a base revision (git): when its values or metadata
changed, its ``EDIT_HISTORY`` must be the base's history plus at least one new entry. The pre-commit hook
runs it against ``HEAD`` for the staged files, CI against the merge base of a pull request
(``obscal validate --changed-since REV``).
"""

from __future__ import annotations

from pathlib import Path

from obscal.model import registry
from obscal.model.formats import read_document
from obscal.model.identity import EDIT_HISTORY, edit_records
from obscal.model.layout import is_calibration_file, resolve
from obscal.model.problems import Code, ObscalError, ParseError, Report
from obscal.store.git import GitRepo
from obscal.validation.compare import differences

#: How to add a record, for the messages.
RECORD_HINT = (
    'add one: obscal record {path} --reason "what changed and why" (appends '
    "'<YYYY-MM-DDTHH:MM:SSZ> | <git user.name> | <reason>' to EDIT_HISTORY)"
)


def changed_files(paths: list[Path], rev: str) -> list[Path]:
    """The calibration files under ``paths`` that differ from ``rev`` (added ones included).

    Raises
    ------
    ObscalError
        The paths are not in a git repository, or the revision is unknown.
    """
    repo = GitRepo.find(paths[0].absolute() if paths else Path.cwd())
    if repo is None:
        raise ObscalError("--changed-since needs the files to be in a git repository")
    rels = [repo.relpath(p.absolute()) for p in paths]
    changed = repo.changed_since(rev, [r for r in rels if r not in ("", ".")])
    return [repo.root / rel for rel in changed if is_calibration_file(rel.rsplit("/", 1)[-1])]


def check_recorded_edits(files: list[Path], rev: str, report: Report, display) -> None:
    """Report each file changed since ``rev`` whose edit history does not record the change.

    Raises
    ------
    ObscalError
        The files are not in a git repository, or the revision is unknown.
    """
    if not files:
        return
    repo = GitRepo.find(files[0].absolute())
    if repo is None:
        raise ObscalError("checking edit records needs the files to be in a git repository")
    if not repo.has_commits():
        return  # a first commit: nothing to compare with
    types = registry.load_types()
    dims = registry.dimensions()
    for path in files:
        if not path.is_file():
            continue
        try:
            info = resolve(path.absolute(), dims)
            before = repo.read_at(rev, repo.relpath(path.absolute()))
        except (ParseError, ObscalError):
            continue  # not a place in the layout (reported by the validator), or outside the repository
        if before is None:
            continue  # a new file: certify and the generator write its first record
        try:
            cls = types[info.calib_type]
            old = cls.from_document(read_document(path, before), info.calib_type)
            new = cls.from_document(read_document(path), info.calib_type)
        except (ParseError, KeyError):
            continue  # the validator reports what cannot be read
        _compare(path, old, new, rev, report, display)


def _compare(path: Path, old, new, rev: str, report: Report, display) -> None:
    was, now = edit_records(old.getMetadata()), edit_records(new.getMetadata())
    shown = display(path)
    line = new.source.line_of(["metadata", EDIT_HISTORY]) if new.source is not None else None
    if now[: len(was)] != was:
        report.error(
            shown, Code.EDIT_HISTORY,
            f"the edit history differs from its {rev} version in records already there: records are only appended",
            line=line, pointer=f"/metadata/{EDIT_HISTORY}",
            hint=f"restore the earlier records as they were in {rev}, then append a new one",
        )  # fmt: skip
        return
    strip = lambda calib: {k: v for k, v in calib.getMetadata().items() if k != EDIT_HISTORY}  # noqa: E731
    old_md, new_md = strip(old), strip(new)
    changed_keys = sorted(set(old_md) ^ set(new_md) | {k for k in old_md if k in new_md and old_md[k] != new_md[k]})
    old.setMetadata(old_md)
    new.setMetadata(new_md)
    values = [d for d in differences(old, new) if not d.startswith("metadata")]
    if not changed_keys and not values:
        return
    if len(now) > len(was):
        return
    what = "values" if values else "metadata"
    detail = ", ".join(changed_keys[:4]) + (" …" if len(changed_keys) > 4 else "") if not values else values[0]
    report.error(
        shown, Code.EDIT_HISTORY,
        f"changed since {rev} ({what}: {detail}) without a new edit record",
        line=line, pointer=f"/metadata/{EDIT_HISTORY}", hint=RECORD_HINT.format(path=shown),
    )  # fmt: skip
