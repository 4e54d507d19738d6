"""Text -> FITS (``obscal convert``) and FITS -> text (``obscal totext``).

``convert`` validates first and refuses files that do not pass; reads the package from the working
tree (refusing uncommitted changes unless allowed) or, with ``rev``, from git objects; stamps each
FITS file (:mod:`obscal.model.stamps`); and writes the whole tree or nothing: files are staged in a hidden
directory inside ``out`` and moved into place only when every file converted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from obscal.io.atomic import Staging, safe_relative
from obscal.io.text import read_bytes
from obscal.model import formats
from obscal.model.calibration import Calibration
from obscal.model.identity import edit_records
from obscal.model.instants import format_fits_date, from_timestamp
from obscal.model.layout import PathInfo, is_calibration_file
from obscal.model.problems import Code, ObscalError, ParseError, Problem
from obscal.model.stamps import Stamps
from obscal.model.validity import Timeline, ValidityRange
from obscal.ops.results import OperationResult, Progress
from obscal.store import deprecation, provenance
from obscal.store.entries import entry_on_disk
from obscal.store.git import GitRepo
from obscal.store.trees import discover
from obscal.validation.config import Config
from obscal.validation.config import load as load_config
from obscal.validation.validator import ValidationResult, Validator, display

# ------------------------------------------------------------------------------------------ text -> FITS


@dataclasses.dataclass(frozen=True)
class Converted:
    """One FITS file written into a staging tree, with what an export needs to know of it."""

    info: PathInfo
    #: The source, relative to the repository root ('' outside git).
    source: str
    #: The certified intervals (its own, and those of deprecated files it replaces).
    ranges: tuple[ValidityRange, ...]
    #: The FITS file, relative to the output directory.
    fits: PurePosixPath
    source_sha256: str
    file_commit: str
    calib_id: str | None


#: Called with the staging tree and the converted files before the tree is published (adds files to it).
Finish = Callable[[Staging, list[Converted], str], None]


def convert(
    sources: Iterable[str | Path],
    out: str | Path,
    *,
    profile: str = "strict",
    rev: str | None = None,
    allow_dirty: bool = False,
    config: Config | None = None,
    finish: Finish | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
) -> OperationResult:
    """Convert calibration text files (or the trees under directories) to stamped FITS files in ``out``.

    Validates first and writes nothing when a file has errors; reads the working tree (refusing
    uncommitted changes unless ``allow_dirty``) or, with ``rev``, the commit's objects; writes every file
    or none (a staging directory inside ``out``).

    Parameters
    ----------
    sources
        Calibration files or directories of a data package.
    out
        The output directory; the FITS tree mirrors the package below it.
    profile
        Validation profile, ``strict`` or ``compat``.
    rev
        Convert the package as it is at this git revision (no checkout).
    allow_dirty
        Convert files with uncommitted changes too, stamping them ``OBSCAL GIT_DIRTY = T``.
    config
        The package's validation settings (default: read from ``obscal.toml`` or ``[tool.obscal]``).
    finish
        Called with the staging tree, the converted files and the commit before the tree is published
        (an export adds its manifests there); what it raises leaves nothing written.
    progress
        Told ``(phase, done, total)`` as files are validated and written (a progress bar).
    jobs
        Worker processes validating and writing (the output does not depend on it).

    Returns
    -------
    OperationResult
        The problems, the files written and the files skipped (deprecated, no FITS form), with the reason.

    Raises
    ------
    ObscalError
        A source does not exist or holds no calibration, ``rev`` is unknown or the sources are not in git,
        or ``out`` is a file.
    """
    sources = [Path(s) for s in sources]
    validator = Validator(profile, config=config, jobs=jobs)
    repo = GitRepo.find(sources[0].absolute() if sources else Path.cwd())
    if rev is not None:
        if repo is None:
            raise ObscalError(f"--rev {rev} needs the sources to be in a git repository")
        with tempfile.TemporaryDirectory(prefix="obscal-rev-") as tmp:
            return _convert_at_revision(repo, rev, sources, Path(tmp), Path(out), validator, finish, progress)
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise ObscalError(f"no such file or directory: {', '.join(missing)}")
    commit, date = repo.resolve("HEAD") if repo is not None and repo.has_commits() else ("", "")
    work_root = repo.root if repo else None
    return _convert(repo, commit, date, sources, work_root, Path(out), validator, allow_dirty, "", finish, progress)


def _convert_at_revision(
    repo: GitRepo,
    rev: str,
    sources: list[Path],
    tmp: Path,
    out: Path,
    validator: Validator,
    finish: Finish | None,
    progress: Progress | None,
) -> OperationResult:
    commit, date = repo.resolve(rev)
    rels = [repo.relpath(s.absolute()) for s in sources]
    tops = sorted({PurePosixPath(r).parts[0] for r in rels if r != "."}) if "." not in rels else []
    repo.export(commit, tops, tmp)
    work = [tmp / r for r in rels]
    missing = [r for r, w in zip(rels, work, strict=True) if not w.exists()]
    if missing:
        raise ObscalError(f"not in revision {rev} ({commit[:12]}): {', '.join(missing)}")
    return _convert(repo, commit, date, work, tmp, out, validator, False, f"{rev}:", finish, progress)


def _convert(
    repo: GitRepo | None,
    commit: str,
    date: str,
    sources: list[Path],
    work_root: Path | None,
    out: Path,
    validator: Validator,
    allow_dirty: bool,
    rev_label: str,
    finish: Finish | None = None,
    progress: Progress | None = None,
) -> OperationResult:
    """One pass: each file is validated, then written into the staging tree at once and let go of, so that
    memory holds one file's data at a time; the tree is published only if the whole run found no error."""
    result = OperationResult()
    report = result.report
    if validator.config is None:
        validator.config = load_config(sources[0]) if sources else Config()
    found = [Path(os.path.abspath(p)) for p in discover(sources)]
    if not found:
        raise ObscalError(f"no calibration files in {', '.join(str(s) for s in sources)}")
    rel_of = {path: _repo_rel(path, repo, work_root) for path in found}
    dirty = _dirty_sources(repo, found, rel_of, rev_label != "")
    history = repo.history(commit, sorted({r for r in rel_of.values() if r})) if repo and commit else {}
    converted: list[Converted] = []
    validation = ValidationResult(report)
    with Staging(out) as staging:
        job = _FitsJob(staging.dir, commit, date, validator.config.package, history, dirty, allow_dirty, rel_of,
                       work_root, rev_label)  # fmt: skip
        key = id(job)
        _JOBS[key] = job  # forked workers inherit it
        try:
            for done, outcome in enumerate(validator.iter_files(sources, validation, work=_Writer(key)), 1):
                if progress is not None:
                    progress("converting", done, validator.total)
                outcome.calibration = None
                if outcome.info is None or outcome.result is None:
                    continue
                kind, where, detail = outcome.result
                if kind == "skipped":
                    result.skipped.append((where, detail))
                elif kind == "dirty":
                    report.error(
                        display(outcome.info.path), "dirty", detail,
                        hint="commit it first (git add <file> && git commit), or pass --allow-dirty to convert it "
                        "anyway and stamp the FITS file as dirty",
                    )  # fmt: skip
                elif kind == "error":
                    report.error(where, Code.CONVERT, detail)
                else:
                    try:
                        staging.path_for(detail.fits)  # registers the file (two inputs to one output are refused)
                        converted.append(detail)
                    except ObscalError as exc:
                        report.error(where, Code.CONVERT, message(exc))
        finally:
            _JOBS.pop(key, None)
        report.problems = validator.config.apply(report.problems)
        if rev_label:
            report.problems = [_relabel(p, work_root, rev_label) for p in report.problems]
        if report.ok and finish is not None:
            finish(staging, converted, commit)
        if report.ok:
            result.written = staging.commit()
    return result


@dataclass
class _FitsJob:
    """What writing one file's FITS needs to know of the run (shared with forked workers via ``_JOBS``)."""

    staging_dir: Path
    commit: str
    date: str
    package: str
    history: dict
    dirty: dict[Path, str]
    allow_dirty: bool
    rel_of: dict[Path, str]
    work_root: Path | None
    rev_label: str
    timelines: dict[Path, Timeline] = dataclasses.field(default_factory=dict)

    def convert(self, calib: Calibration, info: PathInfo) -> tuple[str, str, object]:
        """``(kind, where, detail)``: skipped (why), dirty (why), error (message) or converted (record)."""
        where = label(info.path, self.work_root, self.rev_label)
        try:
            timeline = self.timelines.get(info.path.parent)
            if timeline is None:
                timeline = self.timelines[info.path.parent] = _directory_timeline(info.path.parent)
            own = next(r for r in timeline.own if r.path == info.path)
            if own.deprecation is not None:
                return "skipped", where, f"{own.deprecation.summary()}; deprecated calibrations are left out of exports"
            if not type(calib).has_fits_form:
                why = f"{info.calib_type} has no FITS form in the LSST layout (the butler writes the camera itself)"
                return "skipped", where, why
            if info.path in self.dirty and not self.allow_dirty:
                return "dirty", where, self.dirty[info.path]
            ranges = [r for r in timeline.effective if r.path == info.path]
            rel = self.rel_of.get(info.path, "")
            done = _convert_one(calib, info, ranges, rel, self._target, self.commit, self.date, self.package,
                                self.history, self.dirty)  # fmt: skip
            return "converted", where, done
        except (ObscalError, ParseError) as exc:
            return "error", where, message(exc)

    def _target(self, rel: PurePosixPath) -> Path:
        target = self.staging_dir / safe_relative(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target


_JOBS: dict[int, _FitsJob] = {}


@dataclass(frozen=True)
class _Writer:
    """The per-file work of a convert run (picklable: the run's context stays in ``_JOBS``)."""

    key: int

    def __call__(self, calib: Calibration, info: PathInfo) -> tuple[str, str, object]:
        return _JOBS[self.key].convert(calib, info)


def _directory_timeline(directory: Path) -> Timeline:
    """The validity of every calibration file of a directory, as on disk (starts, ends, deprecations)."""
    entries = []
    for path in sorted(p for p in directory.iterdir() if is_calibration_file(p.name)):
        try:
            entries.append(entry_on_disk(path))
        except (ParseError, OSError):
            continue  # reported when that file is validated
    return Timeline(entries)


def _convert_one(
    calib: Calibration,
    info: PathInfo,
    ranges: list[ValidityRange],
    rel: str,
    target_for: Callable[[PurePosixPath], Path],
    commit: str,
    date: str,
    package: str,
    history: dict,
    dirty: dict[Path, str],
) -> Converted:
    validity = next(r for r in ranges if r.via is None)
    stamps = Stamps(
        valid_start=validity.start_iso,
        valid_end=validity.end_iso,
        source=rel or info.path.name,
        path=info.relpath,
        sha256=hashlib.sha256(read_bytes(info.path)).hexdigest(),
        date=date or _file_date(info.path)[0],
        date_source="commit" if date else _file_date(info.path)[1],
        commit=commit,
        file_commit=history[rel][0].sha if history.get(rel) else "",
        package=package,
        dirty=info.path in dirty,
        edits=edit_records(calib.getMetadata()),
        history=list(history.get(rel, [])),
        also_valid=[f"{r.via.name} {r.start_iso}/{r.end_iso or 'open'}" for r in ranges if r.via is not None],
    )
    sidecar = provenance.sidecar_of(info.path)
    if sidecar.is_file():
        data, _ = provenance.load(sidecar)
        stamps.provenance = data
        stamps.provenance_source = str(PurePosixPath(rel).parent / sidecar.name) if rel else sidecar.name
        stamps.provenance_sha256 = hashlib.sha256(read_bytes(sidecar)).hexdigest()
    fits_rel = PurePosixPath(info.relpath).with_suffix(formats.by_name("fits").suffixes[0])
    target = target_for(fits_rel)
    try:
        calib.writeFits(target, stamps)
    except ObscalError as exc:
        raise ObscalError(f"cannot be written as FITS: {exc}") from None
    calib_id = calib.getMetadata().get("CALIB_ID")
    return Converted(info, rel, tuple(ranges), fits_rel, stamps.sha256, stamps.file_commit, calib_id)


def _dirty_sources(repo: GitRepo | None, found: list[Path], rel_of: dict, at_revision: bool) -> dict[Path, str]:
    """Sources (or their provenance sidecars, or the deprecation records of their directory) with uncommitted
    changes, and what is wrong with each."""
    if at_revision:
        return {}
    if repo is None:
        return {p: "not in a git repository, so it cannot be stamped with a commit" for p in found}
    if not repo.has_commits():
        return {p: "the repository has no commit yet" for p in found}
    sidecars = {p: _repo_rel(provenance.sidecar_of(p), repo, repo.root) for p in found}
    records: dict[Path, list[Path]] = {}
    for directory in {p.parent for p in found}:
        records[directory] = sorted(directory.glob(f"*{deprecation.SUFFIX}"))
    record_rels = {r: _repo_rel(r, repo, repo.root) for rs in records.values() for r in rs}
    changed = repo.dirty(sorted({r for r in [*rel_of.values(), *sidecars.values(), *record_rels.values()] if r}))
    out = {}
    for path in found:
        pending = [r.name for r in records.get(path.parent, []) if record_rels[r] in changed]
        if rel_of[path] in changed:
            out[path] = "has uncommitted changes (or is not committed at all)"
        elif sidecars[path] in changed:
            out[path] = f"its provenance file {provenance.sidecar_of(path).name} has uncommitted changes"
        elif pending:
            out[path] = f"the deprecation record {pending[0]} of its directory is not committed"
    return out


def _repo_rel(path: Path, repo: GitRepo | None, work_root: Path | None) -> str:
    root = work_root or (repo.root if repo else None)
    if root is None:
        return ""
    try:
        return path.absolute().resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""


def label(path: Path, work_root: Path | None, rev_label: str) -> str:
    """How a source is named in messages (``REV:path`` when read at a revision)."""
    if rev_label and work_root is not None:
        try:
            return rev_label + path.relative_to(work_root).as_posix()
        except ValueError:
            pass
    return display(path)


def message(exc: Exception) -> str:
    """One line for a failure met while converting one file."""
    if isinstance(exc, ParseError):
        return exc.message
    if isinstance(exc, ObscalError):
        return str(exc)
    return f"cannot be converted: {type(exc).__name__}: {exc}"


def _relabel(problem: Problem, work_root: Path | None, rev_label: str) -> Problem:
    root = str(work_root)
    if work_root is not None and problem.file.startswith(root):
        return dataclasses.replace(problem, file=rev_label + problem.file[len(root) :].lstrip("/"))
    return problem


def _file_date(path: Path) -> tuple[str, str]:
    """``DATE`` for a file outside git, and what it is: ``SOURCE_DATE_EPOCH`` when set (reproducible
    builds), else the file's modification time."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.isdigit():
        return format_fits_date(from_timestamp(float(epoch))), "SOURCE_DATE_EPOCH"
    return format_fits_date(from_timestamp(path.stat().st_mtime)), "file modification time"
