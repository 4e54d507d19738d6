"""The camera description: instrument identity and geometry, itself a dated calibration.

Detectors (id, name, serial, purpose, bbox), their amplifiers (name, readout order, data bbox in
the assembled detector) and the physical filters (name, band). Boxes are ``{x0, y0, width, height}``
so that no inclusive/exclusive corner convention can be confused. Calibration values (gains,
crosstalk, linearity) are not part of it: they are calibrations of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from obscal.model.calibration import Calibration

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext


@dataclass(frozen=True)
class Box:
    x0: int
    y0: int
    width: int
    height: int

    @classmethod
    def of(cls, d: dict) -> Box:
        return cls(int(d["x0"]), int(d["y0"]), int(d["width"]), int(d["height"]))

    def contains(self, other: Box) -> bool:
        return (
            other.x0 >= self.x0
            and other.y0 >= self.y0
            and other.x0 + other.width <= self.x0 + self.width
            and other.y0 + other.height <= self.y0 + self.height
        )

    def overlaps(self, other: Box) -> bool:
        return not (
            other.x0 >= self.x0 + self.width
            or self.x0 >= other.x0 + other.width
            or other.y0 >= self.y0 + self.height
            or self.y0 >= other.y0 + other.height
        )

    @property
    def area(self) -> int:
        return self.width * self.height


@dataclass(frozen=True)
class Amplifier:
    name: str
    readout_order: int
    bbox: Box


@dataclass(frozen=True)
class Detector:
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


def dirname(name: str) -> str:
    """The directory name obs_base uses for a detector or physical filter name."""
    return name.lower().replace(" ", "_")


class CameraView:
    """Look-ups into one camera description."""

    def __init__(self, calib: CameraDescription) -> None:
        content = calib.toDict()
        self.name = content.get("name")
        self.detectors: list[Detector] = []
        for d in content.get("detectors") or []:
            amps = tuple(
                Amplifier(a["name"], int(a["readoutOrder"]), Box.of(a["bbox"])) for a in d.get("amplifiers") or []
            )
            self.detectors.append(
                Detector(
                    int(d["id"]),
                    d["name"],
                    str(d.get("serial", "")),
                    d.get("purpose", "SCIENCE"),
                    d.get("physicalType", ""),
                    Box.of(d["bbox"]),
                    amps,
                )
            )
        self.filters: dict[str, dict] = {dirname(f["name"]): f for f in content.get("physicalFilters") or []}
        self._by_dir = {dirname(d.name): d for d in self.detectors}
        self._by_id = {d.id: d for d in self.detectors}

    def detector_by_dir(self, name: str) -> Detector | None:
        return self._by_dir.get(name.lower())

    def detector_by_name(self, name: str) -> Detector | None:
        return self._by_dir.get(dirname(name))

    def detector_by_id(self, det_id: int) -> Detector | None:
        return self._by_id.get(det_id)

    def filter_by_dir(self, name: str) -> dict | None:
        return self.filters.get(name.lower())

    def detector_dirs(self) -> list[str]:
        return sorted(self._by_dir)


class CameraDescription(Calibration):
    """``camera``: the camera description (YAML only; no FITS form in the LSST layout)."""

    dataset_types = ("camera",)
    OBSTYPE = "camera"
    SCHEMA = "obscal camera description"
    VERSION = "1.0"
    default_format = "yaml"
    has_fits_form = False

    def view(self) -> CameraView:
        return CameraView(self)

    def check(self, ctx: CheckContext) -> None:
        try:
            view = self.view()
        except (KeyError, TypeError, ValueError) as exc:  # the schema reports the details
            ctx.error("camera", f"the camera description cannot be used: {exc}")
            return
        seen_ids: dict[int, int] = {}
        seen_names: dict[str, int] = {}
        for i, det in enumerate(view.detectors):
            where = ("detectors", i)
            if det.id in seen_ids:
                ctx.error(
                    "camera",
                    f"detector id {det.id} is used twice (detectors #{seen_ids[det.id]} and #{i})",
                    path=(*where, "id"),
                )
            seen_ids.setdefault(det.id, i)
            if dirname(det.name) in seen_names:
                ctx.error("camera", f"detector name {det.name!r} is used twice", path=(*where, "name"))
            seen_names.setdefault(dirname(det.name), i)
            orders = sorted(a.readout_order for a in det.amplifiers)
            if orders != list(range(len(orders))):
                ctx.error(
                    "camera",
                    f"detector {det.name}: readoutOrder must number the amplifiers 0..{len(orders) - 1}",
                    path=(*where, "amplifiers"),
                )
            names = [a.name for a in det.amplifiers]
            for name in sorted({n for n in names if names.count(n) > 1}):
                ctx.error(
                    "camera", f"detector {det.name}: amplifier {name!r} is listed twice", path=(*where, "amplifiers")
                )
            area = 0
            for j, amp in enumerate(det.amplifiers):
                area += amp.bbox.area
                if not det.bbox.contains(amp.bbox):
                    ctx.error(
                        "camera",
                        f"detector {det.name}: amplifier {amp.name} bbox {amp.bbox} lies outside the "
                        f"detector bbox {det.bbox}",
                        path=(*where, "amplifiers", j, "bbox"),
                    )
                for other in det.amplifiers[:j]:
                    if amp.bbox.overlaps(other.bbox):
                        ctx.error(
                            "camera",
                            f"detector {det.name}: amplifiers {other.name} and {amp.name} overlap",
                            path=(*where, "amplifiers", j, "bbox"),
                        )
            if det.amplifiers and area != det.bbox.area:
                ctx.warning(
                    "camera",
                    f"detector {det.name}: the amplifiers cover {area} pixels of the detector's {det.bbox.area}",
                    path=(*where, "amplifiers"),
                )
        names = [f["name"] for f in (self.toDict().get("physicalFilters") or [])]
        for name in sorted({n for n in names if names.count(n) > 1}):
            ctx.error("camera", f"physical filter {name!r} is listed twice", path=("physicalFilters",))
