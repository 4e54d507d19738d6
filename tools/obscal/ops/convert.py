"""Text -> FITS (``obscal convert``) and FITS -> text (``obscal totext``).

``convert`` validates first and refuses files that do not pass; reads the package from the working
tree (refusing uncommitted changes unless allowed) or, with ``rev``, from git objects; stamps each
FITS file (:mod:`obscal.stamps`); and writes the whole tree or nothing: files are staged in a hidden
directory inside ``out`` and moved into place only when every file converted.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from obscal.io.atomic import write_text as write_atomic
from obscal.io.safeyaml import dump_data as dump_yaml
from obscal.model import registry
from obscal.model.calibration import Calibration
from obscal.model.layout import PathInfo, discover, format_valid_start, parse_valid_start, resolve
from obscal.model.problems import ObscalError, ParseError, Problem, Report
from obscal.model.stamps import Stamps
from obscal.model.validity import Timeline, ValidityRange
from obscal.store import deprecation, provenance
from obscal.store.git import GitRepo, utc_iso
from obscal.validation.validator import Validator, _display

if TYPE_CHECKING:
    from obscal.io.fits import FitsContent

EDIT_HISTORY = "EDIT_HISTORY"


@dataclass
class Result:
    """What a conversion did: the problems met, the files written, the files skipped and why."""

    report: Report
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.report.ok


# ------------------------------------------------------------------------------------------ staging


class _Staging:
    """A hidden directory inside ``out``; files move into place only on :meth:`commit`."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=".obscal-staging-", dir=self.out))
        self.files: dict[PurePosixPath, None] = {}

    def path_for(self, rel: PurePosixPath) -> Path:
        if rel.is_absolute() or ".." in rel.parts or not rel.parts:
            raise ObscalError(f"refusing to write outside the output directory: {rel}")
        if rel in self.files:
            raise ObscalError(f"two inputs would both be written to {rel}")
        self.files[rel] = None
        return self.dir / rel

    def commit(self) -> list[Path]:
        written = []
        for rel in self.files:
            target = self.out / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(self.dir / rel, target)
            written.append(target)
        self.discard()
        return written

    def discard(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


# ------------------------------------------------------------------------------------------ text -> FITS


def convert(
    sources: Iterable[str | Path],
    out: str | Path,
    *,
    profile: str = "strict",
    rev: str | None = None,
    allow_dirty: bool = False,
) -> Result:
    """Convert calibration text files (or the trees under directories) to stamped FITS files in ``out``."""
    sources = [Path(s) for s in sources]
    repo = GitRepo.find(sources[0].absolute() if sources else Path.cwd())
    if rev is not None:
        if repo is None:
            raise ObscalError(f"--rev {rev} needs the sources to be in a git repository")
        with tempfile.TemporaryDirectory(prefix="obscal-rev-") as tmp:
            return _convert_at_revision(repo, rev, sources, Path(tmp), Path(out), profile)
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise ObscalError(f"no such file or directory: {', '.join(missing)}")
    commit, date = repo.resolve("HEAD") if repo is not None and repo.has_commits() else ("", "")
    return _convert(repo, commit, date, sources, repo.root if repo else None, Path(out), profile, allow_dirty, "")


def _convert_at_revision(repo: GitRepo, rev: str, sources: list[Path], tmp: Path, out: Path, profile: str) -> Result:
    commit, date = repo.resolve(rev)
    rels = [repo.relpath(s.absolute()) for s in sources]
    tops = sorted({PurePosixPath(r).parts[0] for r in rels if r != "."}) if "." not in rels else []
    repo.export(commit, tops, tmp)
    work = [tmp / r for r in rels]
    missing = [r for r, w in zip(rels, work, strict=True) if not w.exists()]
    if missing:
        raise ObscalError(f"not in revision {rev} ({commit[:12]}): {', '.join(missing)}")
    return _convert(repo, commit, date, work, tmp, out, profile, False, f"{rev}:")


def _convert(
    repo: GitRepo | None,
    commit: str,
    date: str,
    sources: list[Path],
    work_root: Path | None,
    out: Path,
    profile: str,
    allow_dirty: bool,
    rev_label: str,
) -> Result:
    validator = Validator(profile)
    report = validator.run(sources)
    if rev_label:
        report.problems = [_relabel(p, work_root, rev_label) for p in report.problems]  # type: ignore[arg-type]
    result = Result(report)
    files = list(discover(sources))
    if not files:
        raise ObscalError(f"no calibration files in {', '.join(str(s) for s in sources)}")
    if not report.ok:
        return result
    dims = registry.dimensions()
    types = registry.load_types()
    infos = [resolve(f, dims) for f in files]
    todo: list[PathInfo] = []
    timelines = {key: Timeline(entries) for key, entries in validator.groups.items()}
    for info in infos:
        own = next(r for r in timelines[info.group].own if r.path == info.path)
        if own.deprecation is not None:
            why = f"{own.deprecation.summary()}; deprecated calibrations are left out of exports"
            result.skipped.append((_label(info.path, work_root, rev_label), why))
        elif not types[info.calib_type].has_fits_form:
            why = f"{info.calib_type} has no FITS form in the LSST layout (the butler writes the camera itself)"
            result.skipped.append((_label(info.path, work_root, rev_label), why))
        else:
            todo.append(info)
    rel_of = {info.path: _repo_rel(info.path, repo, work_root) for info in todo}
    records = {
        info.path: [deprecation.sidecar_of(e.path) for e in validator.groups[info.group] if e.deprecated]
        for info in todo
    }
    dirty = _dirty_sources(repo, todo, rel_of, records, rev_label != "")
    for info in todo:
        if info.path in dirty and not allow_dirty:
            report.error(
                _display(info.path),
                "dirty",
                dirty[info.path],
                hint="commit it first (git add <file> && git commit), or pass --allow-dirty to convert it "
                "anyway and stamp the FITS file as dirty",
            )
    if not report.ok:
        return result
    history = repo.history(commit, sorted({r for r in rel_of.values() if r})) if repo and commit else {}
    origin = repo.origin() if repo else ""
    staging = _Staging(out)
    try:
        for info in todo:
            label = _label(info.path, work_root, rev_label)
            try:
                calib = validator.calibrations.get(info.path) or Calibration.readText(info.path, info.calib_type)
                ranges = [r for r in timelines[info.group].effective if r.path == info.path]
                _convert_one(calib, info, ranges, rel_of[info.path], staging, commit, date, origin, history, dirty)
            except (ObscalError, ParseError, KeyError, TypeError, ValueError, IndexError) as exc:
                report.error(label, "convert", _message(exc))
        if report.ok:
            result.written = staging.commit()
    finally:
        staging.discard()
    return result


def _convert_one(
    calib: Calibration,
    info: PathInfo,
    ranges: list[ValidityRange],
    rel: str,
    staging: _Staging,
    commit: str,
    date: str,
    origin: str,
    history: dict,
    dirty: dict[Path, str],
) -> None:
    validity = next(r for r in ranges if r.via is None)
    edits = calib.getMetadata().get(EDIT_HISTORY) or []
    stamps = Stamps(
        valid_start=validity.start_iso,
        valid_end=validity.end_iso,
        source=rel or info.path.name,
        path=info.relpath,
        sha256=hashlib.sha256(info.path.read_bytes()).hexdigest(),
        date=date or _file_date(info.path),
        commit=commit,
        file_commit=history[rel][0].sha if history.get(rel) else "",
        origin=origin,
        dirty=info.path in dirty,
        edits=[str(e) for e in (edits if isinstance(edits, list) else [edits])],
        history=list(history.get(rel, [])),
        also_valid=[f"{r.via.name} {r.start_iso}/{r.end_iso or 'open'}" for r in ranges if r.via is not None],
    )
    sidecar = provenance.sidecar_of(info.path)
    if sidecar.is_file():
        data, _ = provenance.load(sidecar)
        stamps.provenance = data
        stamps.provenance_source = str(PurePosixPath(rel).parent / sidecar.name) if rel else sidecar.name
        stamps.provenance_sha256 = hashlib.sha256(sidecar.read_bytes()).hexdigest()
    target = staging.path_for(PurePosixPath(info.relpath).with_suffix(".fits"))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        calib.writeFits(target, stamps)
    except ObscalError as exc:
        raise ObscalError(f"cannot be written as FITS: {exc}") from None


def _dirty_sources(
    repo: GitRepo | None, todo: list[PathInfo], rel_of: dict, records: dict[Path, list[Path]], at_revision: bool
) -> dict[Path, str]:
    """Sources (or their provenance sidecars, or the deprecation records of their directory) with uncommitted
    changes, and what is wrong with each."""
    if at_revision:
        return {}
    if repo is None:
        return {i.path: "not in a git repository, so it cannot be stamped with a commit" for i in todo}
    if not repo.has_commits():
        return {i.path: "the repository has no commit yet" for i in todo}
    sidecars = {i.path: _repo_rel(provenance.sidecar_of(i.path), repo, repo.root) for i in todo}
    record_rels = {p: _repo_rel(p, repo, repo.root) for ps in records.values() for p in ps}
    changed = repo.dirty(sorted({r for r in [*rel_of.values(), *sidecars.values(), *record_rels.values()] if r}))
    out = {}
    for info in todo:
        pending = [p.name for p in records.get(info.path, []) if record_rels[p] in changed]
        if rel_of[info.path] in changed:
            out[info.path] = "has uncommitted changes (or is not committed at all)"
        elif sidecars[info.path] in changed:
            out[info.path] = f"its provenance file {provenance.sidecar_of(info.path).name} has uncommitted changes"
        elif pending:
            out[info.path] = f"the deprecation record {pending[0]} of its directory is not committed"
    return out


def _repo_rel(path: Path, repo: GitRepo | None, work_root: Path | None) -> str:
    root = work_root or (repo.root if repo else None)
    if root is None:
        return ""
    try:
        return path.absolute().resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return ""


def _label(path: Path, work_root: Path | None, rev_label: str) -> str:
    if rev_label and work_root is not None:
        try:
            return rev_label + path.relative_to(work_root).as_posix()
        except ValueError:
            pass
    return _display(path)


def _message(exc: Exception) -> str:
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


def _file_date(path: Path) -> str:
    """``DATE`` for a file outside git: ``SOURCE_DATE_EPOCH`` when set (reproducible builds), else its mtime."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = float(epoch) if epoch and epoch.isdigit() else path.stat().st_mtime
    return utc_iso(datetime.fromtimestamp(moment, UTC))


# ------------------------------------------------------------------------------------------ FITS -> text


def find_fits(paths: Iterable[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if p.suffix.lower() in (".fits", ".fit", ".fts")
                    and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            found.append(path)
    return found


def totext(sources: Iterable[str | Path], out: str | Path) -> Result:
    """Convert FITS calibrations back to text, in a tree mirroring the data package, all or nothing."""
    from obscal.io.fits import read_full as read_fits_full

    sources = [Path(s) for s in sources]
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise ObscalError(f"no such file or directory: {', '.join(missing)}")
    files = find_fits(sources)
    if not files:
        raise ObscalError(f"no FITS files in {', '.join(str(s) for s in sources)}")
    report = Report()
    result = Result(report)
    staging = _Staging(Path(out))
    try:
        for path in files:
            report.files_checked += 1
            label = _display(path)
            try:
                calib, content = read_fits_full(Calibration, path)
                rel = _text_path(calib, content)
                text_path = staging.path_for(rel)
                text_path.parent.mkdir(parents=True, exist_ok=True)
                fmt = rel.suffix.lstrip(".")
                write_atomic(text_path, calib.toText(fmt))
                if content.record is not None:
                    from obscal.io.stamps import from_fits

                    stamps = from_fits(content.stamp_cards, content.history, content.primary)
                    side = staging.path_for(rel.with_name(rel.name.rsplit(".", 1)[0] + ".stamps.yaml"))
                    write_atomic(side, dump_yaml({"converted_from": path.name, **stamps}))
                if content.provenance is not None:
                    side = staging.path_for(rel.with_name(rel.name.rsplit(".", 1)[0] + provenance.SUFFIX))
                    write_atomic(side, dump_yaml(content.provenance))
            except (ObscalError, ParseError, KeyError, TypeError, ValueError, IndexError) as exc:
                report.error(label, "totext", _message(exc))
        if report.ok:
            result.written = staging.commit()
    finally:
        staging.discard()
    return result


def _text_path(calib: Calibration, content: FitsContent) -> PurePosixPath:
    """Where the text form goes, relative to the output root: as recorded, or from the metadata."""
    dims = registry.dimensions()
    recorded = content.stamp_cards.get("OBSCAL PATH") if content.record is not None else None
    if recorded:
        rel = PurePosixPath(str(recorded))
        if rel.is_absolute() or ".." in rel.parts or any(p.startswith(".") for p in rel.parts):
            raise ObscalError(f"the recorded path {recorded!r} is not a safe relative path")
        try:
            info = resolve(Path(*rel.parts), dims)
        except ParseError as exc:
            raise ObscalError(f"the recorded path {recorded!r} is not in the package layout: {exc.message}") from None
        parse_valid_start(info.path.name.rsplit(".", 1)[0])
        return rel
    return _path_from_metadata(calib, dims)


def _path_from_metadata(calib: Calibration, dims: dict) -> PurePosixPath:
    md = calib.getMetadata()

    def need(*keys: str) -> str:
        for key in keys:
            if md.get(key) not in (None, ""):
                return str(md[key])
        raise ObscalError(f"metadata has no {' or '.join(keys)}: cannot tell where the text file goes")

    parts = [need("INSTRUME"), calib.dataset_type]
    if "detector" in dims[calib.dataset_type]:
        parts.append(need("DET_NAME", "DETECTOR_NAME").lower())
    if "physical_filter" in dims[calib.dataset_type]:
        parts.append(need("FILTER").lower().replace(" ", "_"))
    when = need("CALIBDATE", "VALIDSTART")
    try:
        start = datetime.fromisoformat(when)
    except ValueError:
        raise ObscalError(f"CALIBDATE {when!r} is not an ISO-8601 date") from None
    if start.tzinfo is not None:
        start = start.astimezone(UTC).replace(tzinfo=None)
    fmt = "ecsv" if len(calib.tables()) == 1 else calib.default_format if calib.tables() else "yaml"
    for part in parts:
        if "/" in part or part in ("", ".", "..") or part.startswith("."):
            raise ObscalError(f"metadata value {part!r} cannot be a directory name")
    return PurePosixPath(*parts, f"{format_valid_start(start)}.{fmt}")
