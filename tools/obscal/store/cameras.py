"""The camera service: which camera description is valid for an instrument at an instant.

One answer for every caller (the validator, :class:`~obscal.store.package.Package`, lookups, certify):
the camera descriptions of ``<instrument>/camera/`` form a timeline like any calibration, so a
deprecation record takes a description out (its replacement, if named, covers its interval) and an
explicit ``VALIDEND`` ends it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from obscal.model.camera import CameraView
from obscal.model.formats import for_path, read_document
from obscal.model.instants import format_iso
from obscal.model.layout import is_calibration_file
from obscal.model.problems import ParseError
from obscal.model.validity import Timeline, ValidityRange
from obscal.store.entries import entry_in_tree
from obscal.store.trees import Tree, WorkTree

#: Descriptions at least this large are read detector by detector, as look-ups need them (LSSTCam: 380 kB).
LAZY_FROM = 64 * 1024
_ENTRY = re.compile(r"- id: (\d+)\n  name: ([A-Za-z0-9_+-]+)\n")


def _lazy_view(path: Path, data: bytes) -> CameraView | None:
    """A view that parses each detector's entry when it is looked up (None: not the block layout obscal
    writes, or the rest of the file does not parse; the caller then reads it whole)."""
    from obscal.io import safeyaml

    fmt = for_path(path)
    if fmt is None or fmt.name != "yaml":
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    split = safeyaml.split_block_list(text, "detectors")
    if split is None:
        return None
    rest, items = split
    entries = []
    for first, item in items:
        match = _ENTRY.match(item + "\n")
        if match is None:
            return None
        entries.append((int(match.group(1)), match.group(2), _entry_parser(path, text, item, first, match.group(2))))
    try:
        content, _ = safeyaml.parse(rest)
    except ParseError:
        return None
    if not isinstance(content, dict) or content.get("detectors") != []:
        return None
    return CameraView.lazy(content, entries)


def _entry_parser(path: Path, text: str, item: str, first: int, name: str):
    def parse() -> dict:
        from obscal.io import safeyaml

        try:
            parsed, _ = safeyaml.parse(item, line_offset=first)
            if isinstance(parsed, list) and len(parsed) == 1 and isinstance(parsed[0], dict):
                return parsed[0]
        except ParseError:
            pass
        try:
            whole = read_document(path, text.encode("utf-8")).content or {}
        except ParseError as exc:  # what is wrong with the file, with its line
            line = f" (line {exc.line})" if exc.line else ""
            raise CameraError(path, f"the camera description cannot be read: {exc.message}{line}") from None
        found = [d for d in whole.get("detectors") or [] if isinstance(d, dict) and d.get("name") == name]
        if not found:
            raise CameraError(path, f"the camera description has no entry for detector {name!r}")
        return found[0]

    return parse


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
        effective = self.timeline(instrument).effective
        if len(effective) < 2:
            return swaps  # one description: nothing can have been swapped
        for found in effective:
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
                data = self.tree.read(rel)
                lazy = _lazy_view(path, data) if len(data) >= LAZY_FROM else None
                if lazy is not None:
                    self._views[path] = lazy
                    return lazy
                doc = read_document(path, data)
                self._views[path] = CameraView(doc.content or {})
            except ParseError as exc:
                raise CameraError(path, f"the camera description cannot be read: {exc.message}") from None
            except (KeyError, TypeError, ValueError, OverflowError) as exc:
                raise CameraError(path, f"the camera description cannot be used: {type(exc).__name__}: {exc}") from None
        return self._views[path]
