"""Validate a data package: find files -> parse -> schema -> semantic checks -> record (a one-way pipeline).

Python API::

    from obscal import validate
    result = validate(["obs_data"], profile="strict")
    for problem in result.errors: ...
    for outcome in result.files: outcome.path, outcome.ok, outcome.calibration

:meth:`Validator.iter_files` yields each file's outcome as it is checked, for callers that consume
them one at a time; :meth:`Validator.run` collects them into a :class:`ValidationResult`.
"""

from __future__ import annotations

import functools
import os
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from obscal.model import registry, validity
from obscal.model.calibration import Calibration
from obscal.model.camera import CameraView
from obscal.model.document import Document
from obscal.model.formats import read_document
from obscal.model.instants import format_iso, format_stem, parse_metadata_instant, utc_now
from obscal.model.layout import PathInfo, is_calibration_file, resolve
from obscal.model.problems import Code, ParseError, Problem, Report, Severity
from obscal.model.validity import Deprecation
from obscal.store import deprecation, provenance
from obscal.store.cameras import CameraError, Cameras
from obscal.store.entries import entry_on_disk
from obscal.store.trees import discover, link_problem
from obscal.validation import records
from obscal.validation.checks import CheckContext, check_common, check_edit_history
from obscal.validation.config import Config
from obscal.validation.config import load as load_config
from obscal.validation.schemas import SchemaSet, default_schemas

PROFILES = ("strict", "compat")


def display(path: Path) -> str:
    """How a file is named in messages: relative to the working directory when below it."""
    here = os.getcwd()
    absolute = os.path.abspath(path)
    if absolute.startswith(here + os.sep):  # the common case, without resolving links
        return Path(absolute[len(here) + 1 :]).as_posix()
    real_here, real_dir = _real(here), _real(os.path.dirname(absolute))
    if real_dir is not None and real_here is not None and real_dir.startswith(real_here + os.sep):
        return Path(real_dir[len(real_here) + 1 :], os.path.basename(absolute)).as_posix()
    return Path(path).as_posix()


@functools.lru_cache(maxsize=4096)
def _real(directory: str) -> str | None:
    """A directory with its links resolved (cached: many files share a directory); None when it loops."""
    try:
        return str(Path(directory).resolve())
    except (RuntimeError, OSError):
        return None


@dataclass
class FileOutcome:
    """One calibration file checked: where it is, what it is, whether it passed, and the calibration read.

    ``calibration`` is None when the file could not be read, or when the run did not keep calibrations.
    """

    path: Path
    info: PathInfo | None
    calibration: Calibration | None
    ok: bool
    #: What the run's ``work`` function returned for this file (None without one).
    result: object = None


#: A function run on each cleanly checked file, where it was checked: ``work(calibration, info) -> result``.
Work = Callable[[Calibration, PathInfo], object]


@dataclass
class Checked:
    """What checking one file gave: its problems, its validity entry and, where it was checked, more."""

    problems: list[Problem]
    tracebacks: list[str]
    entry: validity.Entry
    end_line: int | None
    ok: bool
    calibration: Calibration | None
    result: object = None

    def __getstate__(self) -> dict:  # the calibration stays in the process that checked it
        return {**self.__dict__, "calibration": None}


_WORKER: Validator | None = None
#: Runs with fewer files are checked in this process whatever ``jobs`` says (starting workers costs more).
PARALLEL_FROM = 48


def _start_worker(profile: str, config: Config | None, now: datetime) -> None:
    """A worker's own validator (schemas compiled, cameras read once per worker)."""
    import signal

    global _WORKER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides; it terminates the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _WORKER = Validator(profile, config=config)
    _WORKER.now = now


def _check_in_worker(task: tuple) -> Checked:
    path, info, record, work = task
    assert _WORKER is not None
    return _WORKER._check_here(path, info, record, work)


@dataclass
class ValidationResult:
    """Everything a validation run found: the problems, each file's outcome, each directory's validity entries."""

    report: Report
    files: list[FileOutcome] = field(default_factory=list)
    #: The validity entries of each directory checked (its files and their siblings), by group key.
    groups: dict[tuple, list[validity.Entry]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether no error was found."""
        return self.report.ok

    @property
    def errors(self) -> list[Problem]:
        """The errors, sorted."""
        return self.report.errors

    @property
    def warnings(self) -> list[Problem]:
        """The warnings, sorted."""
        return self.report.warnings

    @property
    def infos(self) -> list[Problem]:
        """The information notes, sorted."""
        return self.report.infos

    @property
    def files_checked(self) -> int:
        """How many files were checked."""
        return self.report.files_checked

    @property
    def problems(self) -> list[Problem]:
        """Every problem, in the order found."""
        return self.report.problems


class Validator:
    """Checks the files of one run against schemas, the layout, the camera and their directory neighbours."""

    def __init__(
        self,
        profile: str = "strict",
        schemas: SchemaSet | None = None,
        config: Config | None = None,
        jobs: int = 1,
    ) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
        self.profile = profile
        self.schemas = schemas or default_schemas()
        #: The package's settings (tolerances, ignored rules); read from the first path's package when None.
        self.config = config
        self.types = registry.load_types()
        self.dims = registry.dimensions()
        self.now = utc_now()
        #: How many files the current run checks (known once they are found; for progress reports).
        self.total = 0
        #: Worker processes for the per-file checks (1: in this process). The output does not depend on it.
        self.jobs = max(1, int(jobs))
        #: Skip files that are not in a calibration's place instead of reporting them (a hook's file list).
        self.calibrations_only = False
        self._cameras: dict[Path, Cameras] = {}
        self._camera_reported: set[tuple[Path, str]] = set()
        self._camera_at: dict[tuple[Path, str, datetime], CameraView] = {}

    # -------------------------------------------------------------------------------- entry points

    def run(
        self,
        paths: Iterable[str | Path],
        *,
        keep_calibrations: bool = False,
        progress: Callable[[str, int, int], None] | None = None,
    ) -> ValidationResult:
        """Check every calibration under ``paths`` (files or directories); return what was found.

        Each file's outcome is kept; its parsed calibration only with ``keep_calibrations`` (for a caller
        that goes on to use them, like convert), so that a result stays small.
        """
        paths = [Path(p) for p in paths]
        if self.config is None:
            self.config = load_config(paths[0]) if paths else Config()
        result = ValidationResult(Report())
        for done, outcome in enumerate(self.iter_files(paths, result), 1):
            if not keep_calibrations:
                outcome.calibration = None
            result.files.append(outcome)
            if progress is not None:
                progress("validating", done, self.total)
        result.report.problems = self.config.apply(result.report.problems)
        return result

    def iter_files(
        self, paths: Iterable[str | Path], result: ValidationResult, work: Work | None = None
    ) -> Iterator[FileOutcome]:
        """Check file by file, yielding each outcome in a stable order; problems go to ``result.report``.

        With ``jobs`` > 1 the files are checked in worker processes (the outcomes then carry no
        calibration). ``work``, a picklable function, is called with each file's calibration and place
        after a clean check, where the file was checked; what it returns is the outcome's ``result``.
        The checks across files (sidecar records, validity ranges of each directory) run after the last
        file and report into ``result`` too.
        """
        report = result.report
        paths = [Path(p) for p in paths]
        located: list[tuple[Path, PathInfo | None]] = []
        refused: list[tuple[Path, str]] = []
        for given in paths:
            before = len(located) + len(refused)
            for found in discover([given], refused):
                located.append((Path(os.path.abspath(found)), None))  # resolved below; absolute: any cwd works
            if given.is_dir() and len(located) + len(refused) == before:
                report.error(
                    display(given), Code.LAYOUT, "holds no calibration file",
                    hint="calibrations are <instrument>/<type>/[<detector>/][<filter>/]<validStart>.ecsv|yaml; "
                    "give a data package (obs_data) or a directory in it",
                )  # fmt: skip
        unresolved = list(dict.fromkeys(p for p, _ in located))  # each file once, in the order found
        located = []
        for path in unresolved:
            try:
                info = resolve(path, self.dims)
            except ParseError as exc:
                if self.calibrations_only:
                    continue  # a hook's file that is not a calibration (a workflow, a config file)
                report.error(display(path), Code.LAYOUT, exc.message, hint=exc.hint)
                located.append((path, None))
                continue
            why = link_problem(path, info.root)
            if why is not None:
                report.error(display(path), Code.ACCESS, why, hint="replace the link by the file itself")
                located.append((path, None))
                continue
            located.append((path, info))
        for path, why in refused:
            report.error(display(path), Code.ACCESS, why, hint="calibrations are regular files in readable directories")
        # Camera descriptions first: the files checked after them use what was parsed (no second read).
        located.sort(key=lambda item: (item[1] is None or item[1].calib_type != "camera", str(item[0])))
        roots = {path.parent: info.root for path, info in located if info is not None}
        deprecations = self._check_records(paths, [p for p, _ in located], roots, report)
        # Per directory, only what the validity checks need of each file (not the file's data): memory stays
        # flat however many files a run checks.
        groups: dict[tuple, list[tuple[validity.Entry, int | None]]] = defaultdict(list)
        group_info: dict[tuple, PathInfo] = {}
        self.total = len(located)
        seen_elsewhere: set[tuple] = set()  # problems about an instrument or a camera file: said once
        for path, info, checked in self._checked(located, deprecations, work):
            report.files_checked += 1
            if info is None:
                yield FileOutcome(path, None, None, False)
                continue
            shown = display(path) if checked.problems else ""
            for problem in checked.problems:
                if problem.file != shown:
                    key = (problem.file, problem.code, problem.message)
                    if key in seen_elsewhere:
                        continue
                    seen_elsewhere.add(key)
                report.problems.append(problem)
            report.tracebacks.extend(checked.tracebacks)
            groups[info.group].append((checked.entry, checked.end_line))
            group_info.setdefault(info.group, info)
            outcome = FileOutcome(path, info, checked.calibration, checked.ok)
            outcome.result = checked.result
            yield outcome
        for key, members in groups.items():
            info = group_info[key]
            try:
                result.groups[key] = self._check_group(members, info, report)
            except Exception as exc:
                report.internal(display(info.path.parent), exc)

    def _checked(
        self, located: list[tuple[Path, PathInfo | None]], deprecations: dict[Path, Deprecation], work: Work | None
    ) -> Iterator[tuple[Path, PathInfo | None, Checked | None]]:
        """Each file's checks, in the order given: here, or in ``jobs`` worker processes."""
        todo = [(path, info, deprecations.get(path)) for path, info in located if info is not None]
        import multiprocessing

        if self.jobs == 1 or len(todo) < PARALLEL_FROM or "fork" not in multiprocessing.get_all_start_methods():
            for path, info in located:
                yield path, info, (self._check_here(path, info, deprecations.get(path), work) if info else None)
            return
        import concurrent.futures

        pool = concurrent.futures.ProcessPoolExecutor(
            max_workers=self.jobs,
            mp_context=multiprocessing.get_context("fork"),  # workers inherit what the run set up
            initializer=_start_worker,
            initargs=(self.profile, self.config, self.now),
        )
        try:
            chunk = max(1, min(32, len(todo) // (8 * self.jobs)))  # few round trips, work still spread evenly
            checked = pool.map(_check_in_worker, [(p, i, d, work) for p, i, d in todo], chunksize=chunk)
            for path, info in located:
                yield path, info, (next(checked) if info is not None else None)
        finally:
            for process in list(getattr(pool, "_processes", {}).values()):
                if process.is_alive():
                    process.terminate()  # interrupted: no worker outlives the run
            pool.shutdown(wait=True, cancel_futures=True)

    def _check_here(self, path: Path, info: PathInfo, record: Deprecation | None, work: Work | None) -> Checked:
        """One file's checks into a report of its own (the same in this process and in a worker)."""
        report = Report()
        try:
            calib = self.check_file(path, info, report)
        except Exception as exc:  # a bug in obscal: this file's problem; the run goes on
            report.internal(display(path), exc)
            calib = None
        source = calib.source if calib is not None else None
        end_line = source.line_of(["metadata", "VALIDEND"]) if source is not None else None
        ok = report.ok
        entry = self._entry(info, calib, {path: record} if record else {})
        result = None
        if work is not None and calib is not None and ok:
            try:
                result = work(calib, info)
            except Exception as exc:
                report.internal(display(path), exc)
                ok = False
        return Checked(report.problems, report.tracebacks, entry, end_line, ok, calib, result)

    def _check_records(
        self, given: list[Path], calibrations: list[Path], roots: dict[Path, Path], report: Report
    ) -> dict[Path, Deprecation]:
        """Provenance and deprecation records: under the given paths, and beside the calibrations checked."""
        deprecations: dict[Path, Deprecation] = {}
        for module, check in ((provenance, records.check_provenance), (deprecation, records.check_deprecation)):
            found = {Path(os.path.abspath(s)) for s in module.find(given)}
            found |= {s for c in calibrations if (s := module.sidecar_of(c)).is_file()}
            for sidecar in sorted(found):
                report.files_checked += 1
                why = link_problem(sidecar, roots.get(sidecar.parent, sidecar.parent))
                if why is not None:
                    report.error(display(sidecar), Code.ACCESS, why, hint="replace the link by the file itself")
                    continue
                record = check(sidecar, self.schemas, report, display(sidecar))
                if module is deprecation and isinstance(record, Deprecation):
                    stem = sidecar.name[: -len(deprecation.SUFFIX)]
                    for calibration in calibrations:
                        if calibration.parent == sidecar.parent and calibration.name.rsplit(".", 1)[0] == stem:
                            deprecations[calibration] = record
        return deprecations

    # -------------------------------------------------------------------------------- one file

    def check_file(self, path: Path, info: PathInfo, report: Report, doc: Document | None = None) -> Calibration | None:
        """Check one file (``doc``: its parsed text when it is not on disk); report into ``report``."""
        start = len(report.problems)
        try:
            return self._check_file(path, info, report, doc)
        finally:
            _one_message_per_missing_key(report, start)

    def _check_file(self, path: Path, info: PathInfo, report: Report, doc: Document | None) -> Calibration | None:
        file = display(path)
        try:
            doc = doc or read_document(path)
            calib = self.types[info.calib_type].from_document(doc, info.calib_type)
        except ParseError as exc:
            report.error(file, "parse", exc.message, line=exc.line, pointer=exc.pointer, hint=exc.hint)
            return None
        camera = self._camera_for(info, file, report) if info.calib_type != "camera" else None
        ctx = CheckContext(calib, doc, info, self.profile, camera, report, file, self.config or Config())
        schema = self._schema_for(ctx)
        if schema is None:
            return calib
        if self._check_schema(ctx, doc, schema):
            return calib  # semantic checks assume a well-formed file
        check_common(ctx, self.schemas.metadata_keys(schema))
        check_edit_history(ctx, self.now)
        try:
            calib.check(ctx)
        except ParseError as exc:  # an entry of a large camera description, read as the check needed it
            ctx.error("camera", exc.message, hint="run obscal validate on the camera description")
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            ctx.error("check", f"the values cannot be checked: {exc}")
        if info.calib_type == "camera" and doc.content is not None:
            try:
                self._cameras_of(info.root).offer(path, doc.content)
            except CameraError:
                pass  # reported by the camera's own checks; the service reports it again when it is needed
        return calib

    def _schema_for(self, ctx: CheckContext) -> dict | None:
        calib, family = ctx.calib, ctx.calib.schema_family
        known = self.schemas.versions(family)
        version = calib.version
        prefix = calib.schema_prefix(ctx.info.calib_type)
        if version is None:
            version = calib.LEGACY_VERSION or calib.VERSION
            ctx.strict_error(
                "schema",
                f"no {prefix}_VERSION: cannot tell which schema version the file follows; assuming {version}",
                path=("metadata",),
                hint=f"add {prefix}_VERSION: {calib.VERSION}",
            )
        schema = self.schemas.get(family, version)
        if schema is None:
            ctx.error(
                "schema",
                f"{prefix}_VERSION {version} is not a known version of {family} (known: {', '.join(known)})",
                path=("metadata", f"{prefix}_VERSION"),
            )
        return schema

    def _check_schema(self, ctx: CheckContext, doc: Document, schema: dict) -> int:
        errors = 0
        seen: set[tuple] = set()
        for issue in self.schemas.check(schema, doc.schema_instance()):
            if (issue.path, issue.message) in seen:
                continue  # the strict part repeats a requirement of the base schema
            seen.add((issue.path, issue.message))
            relaxed = issue.strict_only and ctx.profile == "compat"
            severity = Severity.WARNING if relaxed else Severity.ERROR
            errors += severity is Severity.ERROR and not issue.strict_only
            line = doc.line_of(list(issue.path)) or doc.line_of(list(issue.path[:1]))
            where = "/".join(str(p) for p in issue.path) or "file"
            message, hint = issue.message, issue.hint
            if relaxed:  # compat relaxes what is missing: say so, not "required"
                message = message.replace("missing required key", "missing key")
                hint = "the strict profile requires it" + (f": {hint}" if hint else "")
            ctx.report.add(
                ctx.file, severity, "schema", f"{where}: {message}", line=line, pointer=issue.pointer, hint=hint
            )
        return errors

    # -------------------------------------------------------------------------------- cameras

    def _cameras_of(self, root: Path) -> Cameras:
        if root not in self._cameras:
            self._cameras[root] = Cameras(root)
        return self._cameras[root]

    def _camera_for(self, info: PathInfo, file: str, report: Report) -> CameraView | None:
        """The camera description valid at the file's start (the camera service), or None with a problem."""
        key = (info.root, info.instrument, info.valid_start)
        if key in self._camera_at:
            return self._camera_at[key]
        view = self._camera_lookup(info, file, report)
        if view is not None:  # a miss is reported for each file it concerns
            self._camera_at[key] = view
        return view

    def _camera_lookup(self, info: PathInfo, file: str, report: Report) -> CameraView | None:
        cameras = self._cameras_of(info.root)
        severity = Severity.ERROR if self.profile == "strict" else Severity.WARNING
        try:
            if not cameras.has_any(info.instrument):
                if (info.root, info.instrument) not in self._camera_reported:
                    self._camera_reported.add((info.root, info.instrument))
                    report.add(
                        (info.root / info.instrument).as_posix(), severity, "camera",
                        f"no valid camera description for instrument {info.instrument!r}: "
                        "detector, amplifier and filter checks are skipped",
                        hint=f"add {info.instrument}/camera/<validStart>.yaml",
                    )  # fmt: skip
                return None
            found = cameras.at(info.instrument, info.valid_start)
        except CameraError as exc:
            if (exc.path, "error") not in self._camera_reported:
                self._camera_reported.add((exc.path, "error"))
                report.error(display(exc.path), "camera", exc.message, hint=exc.hint)
            return None
        if found is None:
            why = cameras.timeline(info.instrument).lookup(info.valid_start).reason
            report.add(
                file, severity, "camera", f"no camera description is valid at {format_iso(info.valid_start)}: {why}",
                hint="date a camera description earlier, or name a replacement for a deprecated one",
            )  # fmt: skip
            return None
        return found.view

    # -------------------------------------------------------------------------------- across files

    def _check_group(
        self, members: list[tuple[validity.Entry, int | None]], info: PathInfo, report: Report
    ) -> list[validity.Entry]:
        """The validity ranges of one directory: the files checked plus their siblings on disk."""
        lines = {entry.path: line for entry, line in members}
        entries = [entry for entry, _ in members]
        directory = info.path.parent
        siblings = sorted(p for p in directory.iterdir() if is_calibration_file(p.name) and p not in lines)
        for path in siblings:
            try:
                entries.append(entry_on_disk(path))
            except (ParseError, OSError):
                continue  # reported when that file itself is validated
        for f in validity.check_group(entries):
            pointer = "/" + "/".join(f.pointer) if f.pointer else None
            line = lines.get(f.path) if f.pointer else None
            report.add(display(f.path), f.severity, f.code, f.message, line=line, pointer=pointer, hint=f.hint)
        self._check_sensor_swaps(info, set(lines), entries, report)
        return entries

    def _check_sensor_swaps(
        self, info: PathInfo, checked: set[Path], entries: list[validity.Entry], report: Report
    ) -> None:
        """Warn for each range (of a file checked in this run) that a sensor swap falls inside.

        After the swap the range would apply the old sensor's calibration to the new sensor.
        """
        if info.detector is None or info.calib_type == "camera":
            return
        try:
            swaps = self._cameras_of(info.root).sensor_swaps(info.instrument, info.detector)
        except CameraError:
            return  # reported where the camera description is used
        if not swaps:
            return
        seen: set[tuple[Path, datetime]] = set()
        for r in validity.effective_ranges(entries):
            if r.path not in checked:
                continue
            for swap in swaps:
                if not r.start < swap.when or (r.end is not None and r.end <= swap.when) or (r.path, swap.when) in seen:
                    continue
                seen.add((r.path, swap.when))
                when = format_iso(swap.when)
                covers = f"covers {r.describe()}" + (f" (for the deprecated {r.via.name})" if r.via else "")
                report.warning(
                    display(r.path), Code.SENSOR_SWAP,
                    f"{covers}, but {swap.describe()}: from {when} the old sensor's calibration would be "
                    "applied to the new sensor",
                    hint=f"add the replacement sensor's calibration from {when} "
                    f"({format_stem(swap.when)}.{r.path.name.rsplit('.', 1)[-1]} in this directory), "
                    f"or end this one with VALIDEND: '{when}'",
                )  # fmt: skip

    @staticmethod
    def _entry(info: PathInfo, calib: Calibration | None, deprecations: dict[Path, Deprecation]) -> validity.Entry:
        """The validity entry of a file checked in this run, from what the run has already read."""
        end = None
        value = calib.getMetadata().get("VALIDEND") if calib is not None else None
        if value is not None:
            try:
                end = parse_metadata_instant(value, "VALIDEND")
            except ParseError:
                end = None  # the schema check has reported it
        return validity.Entry(info.path, info.valid_start, end, deprecations.get(info.path))


_MISSING = (
    re.compile(r"missing (?:required )?key '([^']+)'"),
    re.compile(r"^missing ([A-Za-z0-9_]+):"),
    re.compile(r"^no ([A-Za-z0-9_]+):"),
)
_RANK = {Severity.ERROR: 2, Severity.WARNING: 1, Severity.INFO: 0}


def _missing_key(problem: Problem) -> str | None:
    for pattern in _MISSING:
        match = pattern.search(problem.message)
        if match:
            return match.group(1)
    return None


def _one_message_per_missing_key(report: Report, start: int) -> None:
    """One problem, one message: a key reported missing by the schema and by a check is said once.

    The more severe of the two stays; on a tie, the check's message (it says why the key matters).
    """
    chosen: dict[str, Problem] = {}
    for p in report.problems[start:]:
        key = _missing_key(p)
        if key is None:
            continue
        best = chosen.get(key)
        if best is None or (_RANK[p.severity], p.code is not Code.SCHEMA) > (
            _RANK[best.severity],
            best.code is not Code.SCHEMA,
        ):
            chosen[key] = p
    if not chosen:
        return
    report.problems[start:] = [
        p for p in report.problems[start:] if (key := _missing_key(p)) is None or chosen[key] is p
    ]


def validate(paths: Iterable[str | Path], profile: str = "strict", config: Config | None = None) -> ValidationResult:
    """Validate files and directories.

    Parameters
    ----------
    paths
        Files and directories (walked) of a data package.
    profile
        ``strict`` (every DMTN-148 keyword and an edit history) or ``compat``.
    config
        The package's settings (default: read from ``obscal.toml`` or ``[tool.obscal]`` above the first path).

    Returns
    -------
    ValidationResult
        Every problem found (``errors``, ``warnings``, ``infos``) and each file's outcome.

    Raises
    ------
    ValueError
        Unknown profile.
    ObscalError
        The package's settings file is not valid.
    """
    return Validator(profile, config=config).run(paths)


def validate_document(path: Path, doc: Document, profile: str = "strict") -> Report:
    """Check one calibration that is not on disk yet (``doc``: its parsed text, ``path``: where it would go).

    Raises
    ------
    ParseError
        ``path`` is not a place in the package layout.
    ObscalError
        The package's settings file is not valid.
    """
    config = load_config(path)
    validator = Validator(profile, config=config)
    report = Report()
    info = resolve(path, validator.dims)
    report.files_checked += 1
    validator.check_file(path, info, report, doc)
    report.problems = config.apply(report.problems)
    return report
