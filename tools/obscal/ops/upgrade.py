"""From compat to strict: fill the DMTN-148 keys a package's files lack, move legacy layouts, values untouched.

For every calibration file under the given paths, :func:`upgrade`

* fills each missing standard key from what the package already says: the place in the tree
  (instrument, type, detector and filter directories), the file name (``CALIBDATE``, ``CALIB_ID``), the
  camera description valid at the file's start (detector id and name, physical filter name), the type
  (``OBSTYPE``, ``<TYPE>_SCHEMA``/``_VERSION``, ``CALIBCLS``) and, for the creation date and time, a
  legacy ``DATE`` key, else the commit that added the file, else the file's modification time;
* moves a legacy layout to the current schema version where the move is exact (defects 1.0 → 2.0);
* appends one edit record saying what was added and where it came from.

Before anything is written each new text is read back and compared with the original: every value and
every key the file had (but the legacy keys a layout move replaces) must come back identical, or the file
is refused. Files the compat profile already finds in error (a contradiction, not something missing) are
refused with the validator's messages. All files are written, or none.

What an upgrade cannot fill — above all a camera description the LSST packages keep in code — is
returned as what is left to do, with the path where it goes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from obscal.io.atomic import write_all
from obscal.model.calibration import Calibration
from obscal.model.camera import CameraView, Detector
from obscal.model.formats import read_document
from obscal.model.identity import (
    EDIT_HISTORY,
    calib_id,
    edit_records,
    format_edit_record,
    recorded_creation,
    type_keys,
)
from obscal.model.instants import creation_pair, format_iso, parse_metadata_instant, utc_now
from obscal.model.layout import PathInfo
from obscal.model.problems import Code, ParseError
from obscal.ops.results import OperationResult
from obscal.ops.rewrite import RewriteError, rewritten
from obscal.store.cameras import CameraError, Cameras
from obscal.validation.validator import Validator, display, validate_document

#: The keys ``upgrade`` fills, in the order it adds them.
FILLED = (
    "OBSTYPE",
    "_SCHEMA",
    "_VERSION",
    "INSTRUME",
    "DETECTOR",
    "FILTER",
    "CALIBCLS",
    "CALIB_ID",
    "CALIB_CREATION_DATE",
    "CALIB_CREATION_TIME",
    "CALIBDATE",
)


@dataclass
class FileUpgrade:
    """What an upgrade does to one file: keys added (with where each value came from), the layout move."""

    path: Path
    added: dict[str, object] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    removed: list[str] = field(default_factory=list)
    layout: str | None = None
    #: The file has no ``EDIT_HISTORY``: the upgrade starts one.
    starts_history: bool = False
    left: list[str] = field(default_factory=list)
    record: str | None = None
    text: str | None = None

    @property
    def changes(self) -> bool:
        """Whether the file is rewritten."""
        return bool(self.added or self.removed or self.starts_history)

    def as_dict(self) -> dict:
        """Plain data (JSON output)."""
        return {
            "path": self.path.as_posix(),
            "added": {k: self.added[k] for k in self.added},
            "sources": dict(self.sources),
            "removed": list(self.removed),
            "layout": self.layout,
            "starts_history": self.starts_history,
            "left": list(self.left),
            "edit_record": self.record,
        }


@dataclass
class UpgradeResult(OperationResult):
    """The outcome of :func:`upgrade`: per-file changes, and what is left for a person to do."""

    files: list[FileUpgrade] = field(default_factory=list)
    left: list[str] = field(default_factory=list)
    dry_run: bool = False


def upgrade(
    paths: list[str | Path],
    *,
    dry_run: bool = False,
    author: str | None = None,
    now: datetime | None = None,
) -> UpgradeResult:
    """Rewrite the files under ``paths`` so that they pass the strict profile, values untouched.

    Parameters
    ----------
    paths
        Calibration files and directories of a data package.
    dry_run
        Work out and return every change, write nothing.
    author
        The author of the edit records (default: git's ``user.name``).
    now
        The time of the edit records (default: now).

    Returns
    -------
    UpgradeResult
        The changes per file (``files``), the files written (none with ``dry_run`` or on any error),
        what is left to do by hand (``left``) and the problems that refused files.

    Raises
    ------
    ObscalError
        No author can be found, or the package's settings are not valid.
    """
    paths = [Path(p) for p in paths]
    result = UpgradeResult(dry_run=dry_run)
    from obscal.store.git import edit_author

    author = edit_author(author, paths[0] if paths else Path.cwd())
    now = now or utc_now()

    checked = Validator("compat").run(paths, keep_calibrations=True)
    result.report.files_checked = checked.report.files_checked
    refused = {p.file for p in checked.report.errors}
    result.report.problems.extend(checked.report.errors)
    cameras: dict[Path, Cameras] = {}
    creation = _CreationDates()
    for outcome in checked.files:
        info, calib = outcome.info, outcome.calibration
        if info is None or calib is None or display(outcome.path) in refused:
            continue
        cams = cameras.setdefault(info.root, Cameras(info.root))
        try:
            plan = _plan(outcome.path, info, calib, cams, creation)
        except ParseError as exc:
            result.report.error(display(outcome.path), Code.UPGRADE, exc.message, hint=exc.hint)
            continue
        result.files.append(plan)
        if not plan.changes:
            continue
        plan.record = _record(plan)
        _rewrite(plan, calib, author, now, result)

    result.left = _left_to_do(result, checked, cameras)
    writes = [(f.path, f.text.encode("utf-8")) for f in result.files if f.text is not None]
    if dry_run or not result.report.ok or not writes:
        return result
    result.written = write_all(writes, replace=True)
    return result


# ------------------------------------------------------------------------------------------ one file


def _plan(path: Path, info: PathInfo, calib: Calibration, cameras: Cameras, creation: _CreationDates) -> FileUpgrade:
    """The keys to add to one file and where each value comes from."""
    cls, name = type(calib), info.calib_type
    md = calib.getMetadata()
    plan = FileUpgrade(path)
    prefix = cls.schema_prefix(name)
    view = _camera(cameras, info)

    version = calib.version or cls.LEGACY_VERSION or cls.VERSION
    moved = cls.upgrade_layout(md, version)
    if moved is not None:
        kept, version, plan.layout = moved
        plan.removed = [k for k in md if k not in kept]
        md = kept
    for key, value in type_keys(cls, name, version).items():
        if key == f"{prefix}_VERSION" and moved is not None:
            _add(plan, key, value, "the layout move")
        elif key not in md:
            _add(plan, key, value, "the type")

    if "INSTRUME" not in md:
        value = view.name if view is not None and view.name else info.instrument
        _add(plan, "INSTRUME", value, "the camera description" if view is not None else "the instrument directory")
    detector = _detector(md, info, view, plan)
    physical_filter = _filter(md, info, view, plan)
    accepted = cls.calibcls_for(name)
    if accepted and "CALIBCLS" not in md:
        _add(plan, "CALIBCLS", accepted[0], "the type")
    if "CALIB_ID" not in md:
        if info.detector is not None and detector is None:
            plan.left.append("CALIB_ID: the detector's id and name are not known (no camera description)")
        elif info.filter is not None and physical_filter is None:
            plan.left.append("CALIB_ID: the physical filter's name is not known (no camera description)")
        else:
            _add(plan, "CALIB_ID", calib_id(md.get("INSTRUME") or plan.added["INSTRUME"], detector,
                                             physical_filter, info.valid_start), "the path and file name")  # fmt: skip
    if "CALIB_CREATION_DATE" not in md or "CALIB_CREATION_TIME" not in md:
        found = recorded_creation(md)
        source = "the legacy DATE key" if found is not None else ""
        if found is None:
            found, source = creation.of(path)
        date, time = found
        if "CALIB_CREATION_DATE" not in md:
            _add(plan, "CALIB_CREATION_DATE", date, source)
        if "CALIB_CREATION_TIME" not in md:
            _add(plan, "CALIB_CREATION_TIME", time, source)
    if "CALIBDATE" not in md:
        _add(plan, "CALIBDATE", format_iso(info.valid_start), "the file name")
    plan.starts_history = EDIT_HISTORY not in md
    return plan


def _add(plan: FileUpgrade, key: str, value: object, source: str) -> None:
    plan.added[key] = value
    plan.sources[key] = source


def _camera(cameras: Cameras, info: PathInfo) -> CameraView | None:
    try:
        found = cameras.at(info.instrument, info.valid_start)
    except CameraError:
        return None  # the validator reports it
    return found.view if found is not None else None


def _detector(md: dict, info: PathInfo, view: CameraView | None, plan: FileUpgrade) -> Detector | None:
    """The detector of a per-detector file (filling ``DETECTOR``), from the camera or from the file itself."""
    if info.detector is None:
        if "DETECTOR" not in md:
            _add(plan, "DETECTOR", None, "the type, which is not per detector")
        return None
    det = view.detector_by_dir(info.detector) if view is not None else None
    if "DETECTOR" not in md:
        if det is None:
            plan.left.append(f"DETECTOR: no camera description names detector {info.detector!r}")
            return None
        _add(plan, "DETECTOR", det.id, "the camera description")
        return det
    if det is not None:
        return det
    number = md.get("DETECTOR")
    label = next((md[k] for k in ("DET_NAME", "DETECTOR_NAME", "detectorName") if md.get(k)), None)
    if label is None and info.detector == info.detector.upper():
        label = info.detector  # no letters (HSC's 0_00): the directory is the name, case cannot differ
    if isinstance(number, int) and not isinstance(number, bool) and isinstance(label, str):
        return Detector(number, label, "", "", "", None, ())  # type: ignore[arg-type]
    return None


def _filter(md: dict, info: PathInfo, view: CameraView | None, plan: FileUpgrade) -> str | None:
    """The physical filter of the file (filling ``FILTER``): null for a type without one."""
    if info.filter is None:
        if "FILTER" not in md:
            _add(plan, "FILTER", None, "the type, which has no filter")
        return None
    if isinstance(md.get("FILTER"), str) and md["FILTER"]:
        return md["FILTER"]
    found = view.filter_by_dir(info.filter) if view is not None else None
    if found is None:
        plan.left.append(f"FILTER: no camera description names the physical filter of directory {info.filter!r}")
        return None
    _add(plan, "FILTER", found["name"], "the camera description")
    return found["name"]


def _record(plan: FileUpgrade) -> str:
    """The edit record: what was added and from where, and the layout move."""
    by_source: dict[str, list[str]] = {}
    for key, source in plan.sources.items():
        by_source.setdefault(source, []).append(key)
    parts = [f"{', '.join(keys)} from {source}" for source, keys in by_source.items()]
    if plan.layout:
        parts.append(plan.layout)
    if not parts:
        parts.append("edit history started (the file predates edit records)")
    return "upgraded to the strict DMTN-148 keywords by obscal upgrade: " + "; ".join(parts) + "; values unchanged"


def _rewrite(plan: FileUpgrade, calib: Calibration, author: str, now: datetime, result: UpgradeResult) -> None:
    """The new text of the file, read back and compared with the original before it is accepted."""
    old = calib.getMetadata()
    new = {k: v for k, v in old.items() if k not in plan.removed and k != EDIT_HISTORY}
    new.update(plan.added)
    new[EDIT_HISTORY] = [*edit_records(old), format_edit_record(now, author, plan.record or "")]
    try:
        plan.text = rewritten(calib, plan.path, new)
    except RewriteError as exc:
        result.report.internal(display(plan.path), exc)


# ------------------------------------------------------------------------------------------ what is left


def _left_to_do(result: UpgradeResult, checked, cameras: dict[Path, Cameras]) -> list[str]:
    """What a person must still do: camera descriptions first, then keys that could not be filled."""
    left: list[str] = []
    seen: set[tuple[Path, str]] = set()
    for outcome in checked.files:
        info = outcome.info
        if info is None or info.calib_type == "camera" or (info.root, info.instrument) in seen:
            continue
        seen.add((info.root, info.instrument))
        cams = cameras.setdefault(info.root, Cameras(info.root))
        try:
            has = cams.has_any(info.instrument)
        except CameraError:
            has = True  # one there that cannot be read: the validator says why
        if not has:
            where = info.root / info.instrument / "camera" / "<validStart>.yaml"
            left.append(
                f"describe the camera of {info.instrument!r} in {display(where)} (detectors with ids, names, "
                "serials and amplifiers; physical filters): packages that keep the camera in code (obs_lsst, "
                "obs_subaru, obs_decam) have no such file; strict validation needs it"
            )
    for plan in result.files:
        left.extend(f"{display(plan.path)}: {item}" for item in plan.left)
        try:
            doc = read_document(plan.path, plan.text.encode("utf-8") if plan.text is not None else None)
            report = validate_document(plan.path, doc, "strict")
        except ParseError:
            continue
        unfilled = {item.split(":", 1)[0] for item in plan.left}
        for p in report.errors:
            if p.code is Code.CAMERA and "no valid camera description" in p.message:
                continue  # said once per instrument above
            if any(f"'{key}'" in p.message or f" {key}:" in p.message for key in unfilled):
                continue  # said with the reason above
            left.append(f"{p.file}{f':{p.line}' if p.line else ''}: {p.message}")
    return left


# ------------------------------------------------------------------------------------------ creation dates


class _CreationDates:
    """When each file was created: the commit that added it (git), else its modification time."""

    def __init__(self) -> None:
        self._history: dict[Path, dict[str, list]] = {}

    def of(self, path: Path) -> tuple[tuple[str, str], str]:
        from obscal.store.git import GitRepo

        repo = GitRepo.find(path)
        if repo is not None and repo.has_commits():
            if repo.root not in self._history:
                self._history[repo.root] = repo.history("HEAD", ["."])
            commits = self._history[repo.root].get(repo.relpath(path))
            if commits:
                added = parse_metadata_instant(commits[-1].date, "commit date")
                return creation_pair(added), f"the commit that added the file ({commits[-1].sha[:12]})"
        moment = datetime.fromtimestamp(path.stat().st_mtime, UTC).replace(tzinfo=None, microsecond=0)
        return creation_pair(moment), "the file's modification time (not in git)"
