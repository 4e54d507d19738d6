"""``obscal diff``: what changed between two revisions of a package, in physical terms.

Files added, removed and renamed; for each changed calibration, the metadata keys changed, the edit
records added, the validity (start and explicit end) and the values: boxes of defects added and removed
(count, pixel area, where), the largest crosstalk change and its amplifier pair, the largest change of a
curve and at which wavelength (and amplifier), the largest change of any other numeric array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from obscal.model import registry
from obscal.model.calibration import Calibration
from obscal.model.formats import read_document
from obscal.model.identity import EDIT_HISTORY, edit_records
from obscal.model.layout import is_calibration_file, resolve
from obscal.model.problems import ObscalError, ParseError
from obscal.store.git import GitRepo

#: Changes below this (absolute, for crosstalk coefficients) are not listed as amplifier pairs.
CROSSTALK_TOLERANCE = 1e-6


@dataclass
class FileDiff:
    """The changes of one file."""

    path: str
    status: str  # added, removed, renamed, modified
    old_path: str | None = None
    lines: list[str] = field(default_factory=list)


def default_base(repo: GitRepo) -> str:
    """The merge base of HEAD with the main branch (``main``, else ``master``), else ``HEAD``."""
    for branch in ("main", "master", "origin/main", "origin/master"):
        try:
            return repo.repo.git.execute(["git", "merge-base", "HEAD", branch]).strip()
        except Exception:
            continue
    return "HEAD"


def diff(paths: list[str | Path], rev1: str | None = None, rev2: str | None = None) -> list[FileDiff]:
    """The semantic changes of the calibrations under ``paths`` from ``rev1`` to ``rev2`` (None: working tree).

    Raises
    ------
    ObscalError
        Not in a git repository, or a revision is unknown.
    """
    paths = [Path(p) for p in paths]
    repo = GitRepo.find(paths[0].absolute() if paths else Path.cwd())
    if repo is None:
        raise ObscalError("obscal diff compares git revisions: the paths are not in a git repository")
    base = rev1 or default_base(repo)
    old_commit, _ = repo.resolve(base)
    new_commit = repo.resolve(rev2)[0] if rev2 else None
    rels = [repo.relpath(p.absolute()) for p in paths]
    spec = [f":(literal){r}" for r in rels if r not in ("", ".")]
    args = ["git", "diff", "--name-status", "-z", "-M", old_commit, *([new_commit] if new_commit else []), "--", *spec]
    fields = [f for f in repo.repo.git.execute(args).split("\0") if f]
    if new_commit is None:
        untracked = repo.repo.git.execute(["git", "ls-files", "--others", "--exclude-standard", "-z", "--", *spec])
        for name in untracked.split("\0"):
            if name:
                fields += ["A", name]
    out: list[FileDiff] = []
    i = 0
    while i < len(fields):
        status = fields[i]
        if status.startswith(("R", "C")):
            old, new = fields[i + 1], fields[i + 2]
            i += 3
        else:
            old = new = fields[i + 1]
            i += 2
        if not is_calibration_file(new.rsplit("/", 1)[-1]):
            continue
        read_new = (lambda rel: repo.read_at(new_commit, rel)) if new_commit else (lambda rel: _disk(repo, rel))
        if status == "A":
            out.append(FileDiff(new, "added", lines=_summary(repo, new, read_new(new))))
        elif status == "D":
            out.append(FileDiff(old, "removed"))
        else:
            kind = "renamed" if status.startswith("R") else "modified"
            entry = FileDiff(new, kind, old_path=old if kind == "renamed" else None)
            entry.lines = _changes(repo, old, repo.read_at(old_commit, old), new, read_new(new))
            out.append(entry)
    return out


def _disk(repo: GitRepo, rel: str) -> bytes | None:
    path = repo.root / rel
    return path.read_bytes() if path.is_file() else None


def _load(repo: GitRepo, rel: str, data: bytes | None) -> Calibration | None:
    if data is None:
        return None
    try:
        info = resolve(repo.root / rel, registry.dimensions())
        return registry.load_types()[info.calib_type].from_document(
            read_document(repo.root / rel, data), info.calib_type
        )
    except (ParseError, KeyError):
        return None


def _summary(repo: GitRepo, rel: str, data: bytes | None) -> list[str]:
    calib = _load(repo, rel, data)
    if calib is None:
        return ["(cannot be read: run obscal validate)"]
    records = edit_records(calib.getMetadata())
    return [f"edit record: {records[-1]}"] if records else []


def _changes(repo: GitRepo, old_rel: str, old_data: bytes | None, new_rel: str, new_data: bytes | None) -> list[str]:
    old, new = _load(repo, old_rel, old_data), _load(repo, new_rel, new_data)
    if old is None or new is None:
        return ["(one side cannot be read: run obscal validate)"]
    lines: list[str] = []
    if old_rel.rsplit("/", 1)[-1] != new_rel.rsplit("/", 1)[-1]:
        lines.append(f"validity start: {Path(old_rel).stem} -> {Path(new_rel).stem}")
    ma, mb = old.getMetadata(), new.getMetadata()
    for key in sorted(set(ma) | set(mb)):
        if key == EDIT_HISTORY:
            continue
        if key not in ma:
            lines.append(f"metadata {key}: added = {mb[key]!r}")
        elif key not in mb:
            lines.append(f"metadata {key}: removed (was {ma[key]!r})")
        elif repr(ma[key]) != repr(mb[key]):
            lines.append(f"metadata {key}: {ma[key]!r} -> {mb[key]!r}")
    was, now = edit_records(ma), edit_records(mb)
    lines += [f"edit record: {r}" for r in now[len(was) :]] if now[: len(was)] == was else ["edit history rewritten"]
    lines += new.describe_changes(old)
    return lines


# ------------------------------------------------------------------------------------------ output


def as_text(diffs: list[FileDiff], markdown: bool = False) -> str:
    """The diff for people: plain text, or Markdown (a job summary, a pull-request comment)."""
    if not diffs:
        return "No calibration changed.\n"
    out = ["## Calibration changes", ""] if markdown else []
    for d in diffs:
        head = f"{d.status} {d.path}" + (f" (from {d.old_path})" if d.old_path else "")
        out.append(f"### {head}" if markdown else head)
        out += [f"- {line}" if markdown else f"  {line}" for line in d.lines]
        if markdown:
            out.append("")
    return "\n".join(out) + "\n"
