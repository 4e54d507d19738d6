"""The camera service: which camera description is valid for an instrument at an instant.

One answer for every caller (the validator, :class:`~obscal.store.package.Package`, lookups, certify):
the camera descriptions of ``<instrument>/camera/`` form a timeline like any calibration, so a
deprecation record takes a description out (its replacement, if named, covers its interval) and an
explicit ``VALIDEND`` ends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from obscal.model.camera import CameraView
from obscal.model.formats import read_document
from obscal.model.instants import format_iso
from obscal.model.layout import is_calibration_file
from obscal.model.problems import ParseError
from obscal.model.validity import Timeline, ValidityRange
from obscal.store.entries import entry_in_tree
from obscal.store.trees import Tree, WorkTree


class CameraError(ParseError):
    """A camera description cannot be read or used; ``path`` names it."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message, hint="run obscal validate on it")
        self.path = path


@dataclass(frozen=True)
class SensorSwap:
    """A detector's serial changing from one camera description to the next, at ``when``."""

    detector: str
    when: datetime
    old_serial: str
    new_serial: str

    def describe(self) -> str:
        """The swap in words."""
        return f"{self.detector} was replaced on {format_iso(self.when)} (serial {self.old_serial} → {self.new_serial})"


@dataclass(frozen=True)
class CameraAt:
    """The camera description valid at an instant: the view, its file and its validity range."""

    view: CameraView
    path: Path
    range: ValidityRange


class Cameras:
    """The camera descriptions of the package under ``root`` (on disk, or in a git tree)."""

    def __init__(self, root: Path, tree: Tree | None = None) -> None:
        self.root = root
        self.tree = tree or WorkTree(root)
        self._timelines: dict[str, Timeline] = {}
        self._views: dict[Path, CameraView] = {}

    def timeline(self, instrument: str) -> Timeline:
        """The validity timeline of the instrument's camera descriptions (empty when it has none).

        Raises
        ------
        CameraError
            A camera file's name, its ``VALIDEND`` or its deprecation record cannot be read.
        """
        if instrument not in self._timelines:
            prefix = f"{instrument}/camera/"
            names = set(self.tree.names(prefix))
            entries = []
            for rel in sorted(names):
                if "/" in rel[len(prefix) :] or not is_calibration_file(rel.rsplit("/", 1)[-1]):
                    continue
                try:
                    entries.append(entry_in_tree(self.tree, self.root, rel, names))
                except (ParseError, OSError) as exc:
                    why = exc.message if isinstance(exc, ParseError) else str(exc)
                    raise CameraError(self.root / rel, f"the camera description cannot be read: {why}") from None
            self._timelines[instrument] = Timeline(entries)
        return self._timelines[instrument]

    def has_any(self, instrument: str) -> bool:
        """Whether the instrument has any camera description (deprecated ones included)."""
        return bool(self.timeline(instrument).own)

    def at(self, instrument: str, moment: datetime | None = None) -> CameraAt | None:
        """The description valid at ``moment`` (the latest in use when None); None when none is.

        Raises
        ------
        CameraError
            The description that applies cannot be read or used.
        """
        timeline = self.timeline(instrument)
        if moment is not None:
            found = timeline.lookup(moment).found
        else:
            found = timeline.effective[-1] if timeline.effective else None
        if found is None:
            return None
        return CameraAt(self._view(found.path), found.path, found)

    def sensor_swaps(self, instrument: str, detector_dir: str) -> list[SensorSwap]:
        """The instants at which the detector's serial changes between consecutive camera descriptions.

        Raises
        ------
        CameraError
            A description in the timeline cannot be read or used.
        """
        swaps: list[SensorSwap] = []
        previous: str | None = None
        for found in self.timeline(instrument).effective:
            detector = self._view(found.path).detector_by_dir(detector_dir)
            serial = detector.serial if detector is not None and detector.serial else None
            if previous is not None and serial is not None and serial != previous and detector is not None:
                swaps.append(SensorSwap(detector.name, found.start, previous, serial))
            previous = serial if serial is not None else previous
        return swaps

    def offer(self, path: Path, content: dict) -> None:
        """Use ``content`` (the parsed description at ``path``, already checked by a caller) instead of reading it.

        Raises
        ------
        CameraError
            The content cannot be used as a camera description.
        """
        if path not in self._views:
            try:
                self._views[path] = CameraView(content)
            except (KeyError, TypeError, ValueError, OverflowError) as exc:
                raise CameraError(path, f"the camera description cannot be used: {type(exc).__name__}: {exc}") from None

    def _view(self, path: Path) -> CameraView:
        if path not in self._views:
            rel = path.relative_to(self.root).as_posix()
            try:
                doc = read_document(path, self.tree.read(rel))
                self._views[path] = CameraView(doc.content or {})
            except ParseError as exc:
                raise CameraError(path, f"the camera description cannot be read: {exc.message}") from None
            except (KeyError, TypeError, ValueError, OverflowError) as exc:
                raise CameraError(path, f"the camera description cannot be used: {type(exc).__name__}: {exc}") from None
        return self._views[path]
