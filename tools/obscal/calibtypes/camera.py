"""The camera description: instrument identity and geometry, itself a dated calibration.

Detectors (id, name, serial, purpose, bbox), their amplifiers (name, readout order, data bbox in
the assembled detector) and the physical filters (name, band). Boxes are ``{x0, y0, width, height}``
so that no inclusive/exclusive corner convention can be confused. Calibration values (gains,
crosstalk, linearity) are not part of it: they are calibrations of their own.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from obscal.model.calibration import Calibration
from obscal.model.camera import CameraView
from obscal.model.identity import dirname

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext


class CameraDescription(Calibration):
    """``camera``: the camera description (YAML only; no FITS form in the LSST layout)."""

    dataset_types = ("camera",)
    OBSTYPE = "camera"
    SCHEMA = "obscal camera description"
    VERSION = "1.0"
    default_format = "yaml"
    has_fits_form = False

    def view(self) -> CameraView:
        """The look-ups into this description (raises ``KeyError``/``ValueError`` on a malformed one)."""
        return CameraView(self.toDict())

    def check(self, ctx: CheckContext) -> None:
        """Ids and names unique, amplifiers numbered in readout order, inside their detector and not overlapping."""
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
