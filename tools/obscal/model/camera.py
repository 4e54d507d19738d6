"""The camera: detectors (id, name, serial, geometry), their amplifiers and the physical filters.

Read from the dated camera description (:mod:`obscal.calibtypes.camera`); boxes are
``{x0, y0, width, height}`` so that no inclusive/exclusive corner convention can be confused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from obscal.model.identity import dirname


@dataclass(frozen=True)
class Box:
    """A pixel box: 0-based lower-left corner and extent."""

    x0: int
    y0: int
    width: int
    height: int

    @classmethod
    def of(cls, d: dict) -> Box:
        """A box from its ``{x0, y0, width, height}`` mapping."""
        return cls(int(d["x0"]), int(d["y0"]), int(d["width"]), int(d["height"]))

    def contains(self, other: Box) -> bool:
        """Whether ``other`` lies inside this box."""
        return (
            other.x0 >= self.x0
            and other.y0 >= self.y0
            and other.x0 + other.width <= self.x0 + self.width
            and other.y0 + other.height <= self.y0 + self.height
        )

    def overlaps(self, other: Box) -> bool:
        """Whether the two boxes share a pixel."""
        return not (
            other.x0 >= self.x0 + self.width
            or self.x0 >= other.x0 + other.width
            or other.y0 >= self.y0 + self.height
            or self.y0 >= other.y0 + other.height
        )

    @property
    def area(self) -> int:
        """Pixels in the box."""
        return self.width * self.height


@dataclass(frozen=True)
class Amplifier:
    """An amplifier: its name, readout order and data box in the assembled detector."""

    name: str
    readout_order: int
    bbox: Box


@dataclass(frozen=True)
class Detector:
    """A detector: id, name, serial, purpose, type, box and amplifiers."""

    id: int
    name: str
    serial: str
    purpose: str
    physical_type: str
    bbox: Box
    amplifiers: tuple[Amplifier, ...]

    @property
    def amp_names(self) -> list[str]:
        """Amplifier names in readout order (the order of crosstalk matrices)."""
        return [a.name for a in sorted(self.amplifiers, key=lambda a: a.readout_order)]


def _detector(d: dict) -> Detector:
    amps = tuple(Amplifier(a["name"], int(a["readoutOrder"]), Box.of(a["bbox"])) for a in d.get("amplifiers") or [])
    return Detector(
        int(d["id"]),
        d["name"],
        str(d.get("serial", "")),
        d.get("purpose", "SCIENCE"),
        d.get("physicalType", ""),
        Box.of(d["bbox"]),
        amps,
    )


class CameraView:
    """Look-ups into one camera description.

    Built from the whole parsed description, or (:meth:`lazy`) from its other keys plus, per detector, its
    id, its name and a function that parses its entry: a look-up then reads one detector, not 205.
    """

    def __init__(self, content: dict) -> None:
        self.name = content.get("name")
        self._detectors: list[Detector] | None = [_detector(d) for d in content.get("detectors") or []]
        self.filters: dict[str, dict] = {dirname(f["name"]): f for f in content.get("physicalFilters") or []}
        self._by_dir = {dirname(d.name): d for d in self._detectors}
        self._by_id = {d.id: d for d in self._detectors}
        self._pending: dict[str, Callable[[], dict]] = {}
        self._dir_of_id: dict[int, str] = {}

    @classmethod
    def lazy(cls, content: dict, entries: list[tuple[int, str, Callable[[], dict]]]) -> CameraView:
        """A view whose detectors (``(id, name, parse)`` each) are parsed when first looked up."""
        view = cls({k: v for k, v in content.items() if k != "detectors"})
        view._detectors = None
        view._pending = {dirname(name): parse for _, name, parse in entries}
        view._dir_of_id = {ident: dirname(name) for ident, name, _ in entries}
        return view

    def _load(self, key: str) -> Detector | None:
        if key not in self._by_dir and key in self._pending:
            det = _detector(self._pending.pop(key)())
            self._by_dir[key] = det
            self._by_id[det.id] = det
        return self._by_dir.get(key)

    @property
    def detectors(self) -> list[Detector]:
        """Every detector, in the description's order."""
        if self._detectors is None:
            order = list(self._dir_of_id.values())
            self._detectors = [d for d in (self._load(k) for k in order) if d is not None]
        return self._detectors

    def detector_by_dir(self, name: str) -> Detector | None:
        """The detector whose directory name (lower case) is ``name``."""
        return self._load(name.lower())

    def detector_by_name(self, name: str) -> Detector | None:
        """The detector called ``name`` (any case, spaces or underscores)."""
        return self._load(dirname(name))

    def find_detector(self, key: str | int) -> Detector | None:
        """A detector by id (an int, or a string of digits) or by name (any case, spaces or underscores)."""
        text = str(key).strip()
        if isinstance(key, int) or text.isdigit():
            ident = int(text)
            if ident in self._dir_of_id:
                return self._load(self._dir_of_id[ident])
            return self._by_id.get(ident)
        return self.detector_by_name(text)

    def filter_by_dir(self, name: str) -> dict | None:
        """The physical filter whose directory name is ``name``."""
        return self.filters.get(name.lower())

    def detector_dirs(self) -> list[str]:
        """Every detector's directory name, sorted."""
        return sorted(set(self._by_dir) | set(self._pending))
