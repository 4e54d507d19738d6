"""Validate a data package: find files -> parse -> schema -> semantic checks -> report.

Python API::

    from obscal import validate
    report = validate(["obs_data"], profile="strict")
    for problem in report.errors: ...
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from obscal.model import registry, validity
from obscal.model.calibration import Calibration
from obscal.model.document import Document
from obscal.model.formats import read_document
from obscal.model.layout import PathInfo, discover, is_calibration_file, resolve
from obscal.model.problems import ParseError, Report, Severity
from obscal.model.validity import Deprecation
from obscal.store import deprecation
from obscal.validation.checks import CheckContext, check_common, check_edit_history
from obscal.validation.schemas import SchemaSet, default_schemas

PROFILES = ("strict", "compat")


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


class Validator:
    """Checks files of one run; cameras are loaded once per instrument."""

    def __init__(self, profile: str = "strict", schemas: SchemaSet | None = None) -> None:
        if profile not in PROFILES:
            raise ValueError(f"unknown profile {profile!r}; use one of {', '.join(PROFILES)}")
        self.profile = profile
        self.schemas = schemas or default_schemas()
        self.report = Report()
        self.types = registry.load_types()
        self.dims = registry.dimensions()
        self.now = datetime.now(UTC).replace(tzinfo=None)
        self._cameras: dict[tuple[str, str], list[tuple[datetime, object]]] = {}
        self._camera_warned: set[tuple[str, str]] = set()
        #: The calibrations read during :meth:`run`, by path (for callers that go on to use them).
        self.calibrations: dict[Path, Calibration] = {}
        #: The deprecation records met, by calibration path.
        self.deprecations: dict[Path, Deprecation] = {}
        #: The validity entries of each directory checked (its files and their siblings), by group.
        self.groups: dict[tuple, list[validity.Entry]] = {}

    # -------------------------------------------------------------------------------- entry point

    def run(self, paths: Iterable[str | Path]) -> Report:
        paths = [Path(p) for p in paths]
        located: list[tuple[Path, PathInfo]] = []
        for path in discover(paths):
            try:
                located.append((path, resolve(path, self.dims)))
            except ParseError as exc:
                self.report.error(_display(path), "layout", exc.message, hint=exc.hint)
                self.report.files_checked += 1
        # Cameras first, so that every other file can be checked against the one valid at its date.
        located.sort(key=lambda item: (item[1].calib_type != "camera", str(item[0])))
        groups: dict[tuple, list[PathInfo]] = defaultdict(list)
        for path, info in located:
            self.report.files_checked += 1
            groups[info.group].append(info)
            calib = self.check_file(path, info)
            if calib is not None:
                self.calibrations[path] = calib
        self._check_sidecars(paths, [path for path, _ in located])
        for infos in groups.values():
            self._check_group(infos)
        return self.report

    def _check_sidecars(self, given: list[Path], calibrations: list[Path]) -> None:
        """Provenance and deprecation sidecars: under the given paths, and beside the calibrations checked."""
        from obscal.store import provenance, sidecars

        for module in (provenance, deprecation):
            found = set(module.find(given))
            found |= {s for c in calibrations if (s := module.sidecar_of(c)).is_file()}
            for sidecar in sorted(found):
                self.report.files_checked += 1
                record = module.check(sidecar, self.schemas, self.report, _display(sidecar))
                if module is deprecation and record is not None:
                    for calibration in sidecars.calibrations_of(sidecar, deprecation.SUFFIX):
                        self.deprecations[calibration] = record

    # -------------------------------------------------------------------------------- one file

    def check_file(self, path: Path, info: PathInfo, doc: Document | None = None) -> Calibration | None:
        """Check one file (``doc``: its parsed text when it is not on disk yet); report into ``self.report``."""
        file = _display(path)
        try:
            doc = doc or read_document(path)
            cls = self.types[info.calib_type]
            calib = cls.from_document(doc, info.calib_type)
        except ParseError as exc:
            self.report.error(file, "parse", exc.message, line=exc.line, pointer=exc.pointer, hint=exc.hint)
            return None
        camera = self._camera_for(info, file) if info.calib_type != "camera" else None
        ctx = CheckContext(calib, doc, info, self.profile, camera, self.report, file)
        schema = self._schema_for(ctx, doc)
        if schema is None:
            return calib
        structural_errors = self._check_schema(ctx, doc, schema)
        if structural_errors:
            return calib  # semantic checks assume a well-formed file
        check_common(ctx, self.schemas.metadata_keys(schema))
        check_edit_history(ctx, self.now)
        try:
            calib.check(ctx)
        except (ValueError, TypeError, KeyError, IndexError) as exc:
            ctx.error("check", f"the values cannot be checked: {exc}")
        if info.calib_type == "camera":
            self._cameras.setdefault((str(info.root), info.instrument), []).append((info.valid_start, calib.view()))
        return calib

    def _schema_for(self, ctx: CheckContext, doc: Document) -> dict | None:
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
            severity = Severity.WARNING if issue.strict_only and ctx.profile == "compat" else Severity.ERROR
            errors += severity is Severity.ERROR and not issue.strict_only
            line = doc.line_of(list(issue.path)) or doc.line_of(list(issue.path[:1]))
            where = "/".join(str(p) for p in issue.path) or "file"
            self.report.add(
                ctx.file,
                severity,
                "schema",
                f"{where}: {issue.message}",
                line=line,
                pointer=issue.pointer,
                hint=issue.hint,
            )
        return errors

    # -------------------------------------------------------------------------------- cameras

    def _load_cameras(self, info: PathInfo) -> None:
        """Read the instrument's camera descriptions from disk when they were not among the paths."""
        key = (str(info.root), info.instrument)
        self._cameras[key] = []
        from obscal.calibtypes.camera import CameraDescription

        for path in sorted((info.root / info.instrument / "camera").glob("*.yaml")):
            try:
                cam = resolve(path, self.dims)
                view = CameraDescription.from_document(read_document(path), "camera").view()
            except (ParseError, KeyError, TypeError, ValueError) as exc:
                self.report.error(
                    _display(path),
                    "camera",
                    f"the camera description cannot be read: {exc}",
                    hint="run obscal validate on it",
                )
                continue
            self._cameras[key].append((cam.valid_start, view))

    def _camera_for(self, info: PathInfo, file: str):
        key = (str(info.root), info.instrument)
        if key not in self._cameras:
            self._load_cameras(info)
        cameras = self._cameras.get(key)
        if not cameras:
            if key not in self._camera_warned:
                self._camera_warned.add(key)
                sev = Severity.ERROR if self.profile == "strict" else Severity.WARNING
                self.report.add(
                    (info.root / info.instrument).as_posix(),
                    sev,
                    "camera",
                    f"no valid camera description for instrument {info.instrument!r}: "
                    "detector, amplifier and filter checks are skipped",
                    hint=f"add {info.instrument}/camera/<validStart>.yaml",
                )
            return None
        chosen = None
        for start, view in sorted(cameras, key=lambda c: c[0]):
            if start <= info.valid_start:
                chosen = view
        if chosen is None:
            first = min(c[0] for c in cameras)
            sev = Severity.ERROR if self.profile == "strict" else Severity.WARNING
            self.report.add(
                file,
                sev,
                "camera",
                f"no camera description is valid at {info.valid_start.isoformat()} "
                f"(the first starts {first.isoformat()})",
                hint="date the camera description earlier",
            )
        return chosen

    # -------------------------------------------------------------------------------- across files

    def _check_group(self, infos: list[PathInfo]) -> None:
        """The validity ranges of one directory: the files checked plus their siblings on disk."""
        entries = [self._entry(info.path) for info in infos]
        checked = {info.path.name for info in infos}
        directory = infos[0].path.parent
        siblings = sorted(p for p in directory.iterdir() if is_calibration_file(p.name) and p.name not in checked)
        for path in siblings:
            try:
                entries.append(deprecation.entry_on_disk(path))
            except (ParseError, OSError):
                continue  # reported when that file itself is validated
        self.groups[infos[0].group] = entries
        for f in validity.check_group(entries):
            pointer = "/" + "/".join(f.pointer) if f.pointer else None
            line = None
            calib = self.calibrations.get(f.path)
            if f.pointer and calib is not None and calib.source is not None:
                line = calib.source.line_of(list(f.pointer))
            self.report.add(_display(f.path), f.severity, f.code, f.message, line=line, pointer=pointer, hint=f.hint)

    def _entry(self, path: Path) -> validity.Entry:
        """The validity entry of a file checked in this run, from what the run has already read."""
        end = None
        calib = self.calibrations.get(path)
        if calib is not None:
            try:
                value = calib.getMetadata().get("VALIDEND")
                end = validity.parse_end(value) if value is not None else None
            except ParseError:
                end = None  # the schema check has reported it
        return validity.Entry(path, validity.start_of(path), end, self.deprecations.get(path))


def validate(paths: Iterable[str | Path], profile: str = "strict") -> Report:
    """Validate files and directories; return the :class:`Report` of every problem found."""
    return Validator(profile).run(paths)
