"""A data package as a whole: its calibration files, their validity, and "what was valid at time T".

Python API::

    from obscal import Package
    pkg = Package.open("obs_data")                 # the working tree
    old = Package.open("obs_data", rev="v1.0")     # as it stood at a tag, read from git objects
    answer = pkg.lookup("ExampleCam", "defects", "2024-07-01T00:00:00", detector="R22_S00")
    answer.found.path, answer.found.describe()     # or answer.reason when nothing was valid
    for cal in pkg: ...                            # every calibration file (PackageFile)
    pkg.ranges("ExampleCam", "defects", detector=0)

The index is built once from file names (and, for the few files that have one, an explicit
``VALIDEND``) plus the deprecation sidecars; each lookup is a bisection, O(log n) in the ranges.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from obscal.model import registry
from obscal.model.camera import CameraView
from obscal.model.formats import read_document
from obscal.model.identity import closest, dirname
from obscal.model.instants import parse_instant
from obscal.model.layout import PathInfo, is_calibration_file, resolve
from obscal.model.problems import ObscalError, ParseError
from obscal.model.validity import Answer, Entry, Timeline, ValidityRange
from obscal.store import deprecation
from obscal.store.cameras import CameraError, Cameras
from obscal.store.entries import explicit_end_in
from obscal.store.trees import GitTree, Tree, WorkTree

if TYPE_CHECKING:  # GitPython and astropy load only when git is read: `import obscal` stays quick
    from obscal.model.stamps import CommitInfo
    from obscal.store.git import GitRepo

GroupKey = tuple[str, str, str | None, str | None]  # instrument, type, detector dir, filter dir


@dataclass(frozen=True)
class PackageFile:
    """One calibration file of the package: where it is, what it is, and what the validity model knows of it."""

    rel: str
    info: PathInfo
    entry: Entry

    @property
    def path(self) -> Path:
        """The file's path."""
        return self.info.path

    @property
    def key(self) -> GroupKey:
        """Its directory: instrument, type, detector directory, filter directory."""
        return (self.info.instrument, self.info.calib_type, self.info.detector, self.info.filter)


# ------------------------------------------------------------------------------------------ package


class Package:
    """The calibrations under a data root (``obs_data``), in the working tree or at a git revision."""

    def __init__(self, root: Path, source: Tree, rev: str | None = None) -> None:
        self.root = root
        self.source = source
        self.rev = rev
        self.commit = source.commit if isinstance(source, GitTree) else None
        #: Files that could not be indexed, and why: ``(relative path, message)``.
        self.problems: list[tuple[str, str]] = []
        self._files: dict[str, PackageFile] = {}
        self._groups: dict[GroupKey, list[PackageFile]] = defaultdict(list)
        self._timelines: dict[GroupKey, Timeline] = {}
        self.cameras = Cameras(root, source)
        self._index()

    @classmethod
    def open(cls, root: str | Path = "obs_data", rev: str | None = None) -> Package:
        """Open the package under ``root``; with ``rev`` (branch, tag, SHA), as it was in that commit.

        Raises
        ------
        ObscalError
            ``root`` is not a directory, or (with ``rev``) not in a git repository, the revision is unknown,
            or ``root`` holds nothing at that revision.
        """
        root = Path(root)
        if rev is None:
            if not root.is_dir():
                raise ObscalError(f"no such directory: {root}")
            return cls(root, WorkTree(root))
        from obscal.store.git import GitRepo

        repo = GitRepo.find(root.absolute())
        if repo is None:
            raise ObscalError(f"--as-of {rev} needs {root} to be in a git repository")
        commit, _ = repo.resolve(rev)
        source = GitTree(repo, commit, repo.relpath(root.absolute()))
        if not source.names():
            raise ObscalError(f"{root} does not exist (or holds no file) at revision {rev} ({commit[:12]})")
        return cls(root, source, rev)

    # ------------------------------------------------------------------ index

    def _index(self) -> None:
        dims = registry.dimensions()
        names = self.source.names()
        rels = [r for r in names if is_calibration_file(PurePosixPath(r).name)]
        with_end = self.source.containing(b"VALIDEND", rels)
        records = {r[: -len(deprecation.SUFFIX)]: r for r in names if r.endswith(deprecation.SUFFIX)}
        for rel in rels:
            path = self.root / rel
            try:
                info = resolve(path, dims)
            except ParseError as exc:
                self.problems.append((rel, exc.message))
                continue
            end = record = None
            try:
                if rel in with_end:
                    end = explicit_end_in(path, self.source.read(rel))
                if (side := records.get(rel.rsplit(".", 1)[0])) is not None:
                    record = deprecation.parse(self.source.read(side))
            except ParseError as exc:
                self.problems.append((rel, exc.message))
            file = PackageFile(rel, info, Entry(path, info.valid_start, end, record))
            self._files[rel] = file
            self._groups[file.key].append(file)
        # What the questions' names are checked against, so that a lookup never scans the package.
        self._types: dict[str, set[str]] = defaultdict(set)
        self._detectors: dict[tuple[str, str], set[str]] = defaultdict(set)
        self._filters: dict[tuple[str, str, str | None], set[str]] = defaultdict(set)
        for instrument, calib_type, det, filt in self._groups:
            self._types[instrument].add(calib_type)
            if det:
                self._detectors[(instrument, calib_type)].add(det)
            if filt:
                self._filters[(instrument, calib_type, det)].add(filt)

    def timeline(self, key: GroupKey) -> Timeline:
        """The validity timeline of one directory."""
        if key not in self._timelines:
            self._timelines[key] = Timeline([f.entry for f in self._groups.get(key, [])])
        return self._timelines[key]

    # ------------------------------------------------------------------ browsing

    def __iter__(self) -> Iterator[PackageFile]:
        return iter(self._files[r] for r in sorted(self._files))

    def __len__(self) -> int:
        return len(self._files)

    def file(self, path: str | Path) -> PackageFile:
        """The package file at ``path`` (relative to the root, or a path under it).

        Raises
        ------
        ObscalError
            ``path`` is not a calibration file of the package.
        """
        rel = Path(path).as_posix()
        if rel not in self._files:
            try:
                rel = Path(path).absolute().relative_to(self.root.absolute()).as_posix()
            except ValueError:
                pass
        if rel not in self._files:
            raise ObscalError(f"{path} is not a calibration file of the package at {self.root}")
        return self._files[rel]

    def instruments(self) -> list[str]:
        """The instruments of the package."""
        return sorted(self._types)

    def types(self, instrument: str) -> list[str]:
        """The calibration types an instrument has."""
        return sorted(self._types.get(instrument, ()))

    def groups(self, instrument: str, calib_type: str | None = None) -> list[GroupKey]:
        """The directories (detector/filter combinations) of an instrument, optionally of one type."""
        instrument = self._instrument(instrument)
        if calib_type is not None:
            calib_type = self._type(instrument, calib_type)
        return sorted(
            (k for k in self._groups if k[0] == instrument and (calib_type is None or k[1] == calib_type)),
            key=lambda k: (k[1], k[2] or "", k[3] or ""),
        )

    # ------------------------------------------------------------------ questions

    def ranges(
        self,
        instrument: str,
        calib_type: str,
        detector: str | int | None = None,
        filter: str | None = None,
        *,
        effective: bool = True,
    ) -> list[ValidityRange]:
        """The ranges of one directory: those lookups use (``effective``), or every file's own range."""
        timeline = self.timeline(self.key(instrument, calib_type, detector, filter))
        return list(timeline.effective if effective else timeline.own)

    def lookup(
        self,
        instrument: str,
        calib_type: str,
        when: datetime | str,
        detector: str | int | None = None,
        filter: str | None = None,
    ) -> Answer:
        """The calibration valid at ``when`` (a UTC datetime, or a string for :func:`parse_instant`).

        Returns
        -------
        Answer
            The range found, or None and why (before the first range, gap, deprecated, after the last).

        Raises
        ------
        ObscalError
            As :meth:`key`, or ``when`` is not a date.
        """
        moment = parse_instant(when) if isinstance(when, str) else when
        return self.timeline(self.key(instrument, calib_type, detector, filter, moment)).lookup(moment)

    def key(
        self,
        instrument: str,
        calib_type: str,
        detector: str | int | None = None,
        filter: str | None = None,
        when: datetime | None = None,
    ) -> GroupKey:
        """The directory a question is about; a detector id is mapped to its name with the camera valid at ``when``.

        Raises
        ------
        ObscalError
            Unknown instrument, type, detector or filter (with the closest name), or a detector or filter
            given for a type that has none (or missing for one that has).
        """
        instrument = self._instrument(instrument)
        calib_type = self._type(instrument, calib_type)
        dims = registry.dimensions()[calib_type]
        det_dir = filt_dir = None
        if "detector" in dims:
            if detector is None or detector == "":
                raise ObscalError(f"{calib_type} is per detector: give a detector (id or name)")
            det_dir = self._detector_dir(instrument, calib_type, detector, when)
        elif detector not in (None, ""):
            raise ObscalError(f"{calib_type} does not depend on the detector; leave the detector out")
        if "physical_filter" in dims:
            if not filter:
                raise ObscalError(f"{calib_type} is per physical filter: give a filter")
            filt_dir = dirname(filter)
            known = self._filters.get((instrument, calib_type, det_dir), set())
            if filt_dir not in known:
                near = closest(filt_dir, sorted(k for k in known if k))
                raise ObscalError(
                    f"no {calib_type} of {instrument} for filter {filter!r}"
                    + (f"; did you mean {near!r}?" if near else f" (filters: {', '.join(sorted(known)) or 'none'})")
                )
        elif filter:
            raise ObscalError(f"{calib_type} does not depend on the filter; leave the filter out")
        return (instrument, calib_type, det_dir, filt_dir)

    def _instrument(self, name: str) -> str:
        if name in self._types:
            return name
        known = self.instruments()
        folded = {k.lower(): k for k in known}
        if name.lower() in folded:
            return folded[name.lower()]
        near = closest(name, known)
        raise ObscalError(
            f"no instrument {name!r} in {self._where()}"
            + (f"; did you mean {near!r}?" if near else f" (instruments: {', '.join(known) or 'none'})")
        )

    def _type(self, instrument: str, calib_type: str) -> str:
        if calib_type in self._types.get(instrument, ()):
            return calib_type
        known = self.types(instrument)
        if calib_type not in registry.dimensions():
            near = closest(calib_type, list(registry.dimensions()))
            raise ObscalError(
                f"unknown calibration type {calib_type!r}" + (f"; did you mean {near!r}?" if near else "")
            )
        raise ObscalError(
            f"{instrument} has no {calib_type} calibrations in {self._where()} (types: {', '.join(known) or 'none'})"
        )

    def _detector_dir(self, instrument: str, calib_type: str, detector: str | int, when: datetime | None) -> str:
        known = self._detectors.get((instrument, calib_type), set())
        text = str(detector).strip()
        if isinstance(detector, int) or text.isdigit():
            camera = self.camera(instrument, when) or self.camera(instrument)  # ids outlive camera changes
            det = camera.find_detector(detector) if camera is not None else None
            if det is None:
                why = "no camera description is valid then" if camera is None else "the camera has no such detector"
                raise ObscalError(f"cannot tell which detector id {text} of {instrument} is: {why}; give its name")
            name = dirname(det.name)
        else:
            name = dirname(text)
        if name not in known:
            near = closest(name, sorted(known))
            raise ObscalError(
                f"no {calib_type} of {instrument} for detector {text!r}"
                + (f"; did you mean {near!r}?" if near else f" (detectors with {calib_type}: {len(known)})")
            )
        return name

    def camera(self, instrument: str, when: datetime | None = None) -> CameraView | None:
        """The camera description valid at ``when`` (the latest in use when None), or None.

        Deprecated descriptions are left out and explicit ends honoured (:mod:`obscal.store.cameras`).

        Raises
        ------
        ObscalError
            The description that applies cannot be read.
        """
        try:
            name = {k.lower(): k for k in self._types}.get(instrument.lower(), instrument)
            found = self.cameras.at(name, when)
        except CameraError as exc:
            raise ObscalError(f"{exc.path}: {exc.message}; run obscal validate") from None
        return found.view if found is not None else None

    # ------------------------------------------------------------------ contents and history

    def read(self, file: PackageFile | str | Path):
        """The :class:`~obscal.model.calibration.Calibration` in a file (from git objects at a revision)."""
        from obscal.model.calibration import Calibration

        file = file if isinstance(file, PackageFile) else self.file(file)
        doc = read_document(file.path, self.source.read(file.rel))
        cls, name = Calibration.dispatch(doc.metadata, file.info.calib_type)
        return cls.from_document(doc, name)

    @cached_property
    def _repo(self) -> GitRepo | None:
        from obscal.store.git import GitRepo

        return self.source.repo if isinstance(self.source, GitTree) else GitRepo.find(self.root.absolute())

    def history(self, file: PackageFile | str | Path) -> list[CommitInfo]:
        """The commits (up to the revision, or HEAD) that changed a file, newest first; [] outside git."""
        file = file if isinstance(file, PackageFile) else self.file(file)
        repo = self._repo
        if repo is None or not repo.has_commits():
            return []
        rel = repo.relpath((self.root / file.rel).absolute())
        return repo.history(self.commit or "HEAD", [rel]).get(rel, [])

    def _where(self) -> str:
        return f"{self.root}" + (f" at {self.rev}" if self.rev else "")
