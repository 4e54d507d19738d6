"""``defects`` and ``manual_defects``: bad-pixel boxes (``x0, y0, width, height``) on a detector."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from obscal.model.calibration import Calibration

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext


class Defects(Calibration):
    """Boxes of bad pixels in the assembled detector, 0-based bottom-left corner plus extent."""

    dataset_types = ("defects", "manual_defects")
    OBSTYPE = "defects"
    SCHEMA = ""
    VERSION = "2.0"
    LEGACY_VERSION = "1.0"
    dimensions = ("detector",)
    CALIBCLS = ("lsst.ip.isr.defects.Defects", "lsst.ip.isr.Defects")
    empty_filter_ok = False
    schema_family = "defects"

    @classmethod
    def expected_obstype(cls, dataset_type: str) -> str:
        """``defects`` or ``manual_defects``: OBSTYPE is the dataset type."""
        return dataset_type

    @property
    def version(self) -> str | None:
        """The declared version; ``1.0`` for the pre-2020 'Simple' schema (``DEFECTS_SCHEMA_VERSION``)."""
        if "defects_VERSION" not in self._metadata and "DEFECTS_SCHEMA_VERSION" in self._metadata:
            return "1.0"  # the pre-2020 "Simple" schema
        return super().version

    @classmethod
    def upgrade_layout(cls, metadata: dict, version: str) -> tuple[dict, str, str] | None:
        """Schema 1.0 ('Simple', pre-2020) → 2.0: the same boxes; only the schema keys change."""
        if version != "1.0":
            return None
        legacy = ("DEFECTS_SCHEMA", "DEFECTS_SCHEMA_VERSION")
        kept = {k: v for k, v in metadata.items() if k not in legacy}
        return kept, cls.VERSION, "defects schema 1.0 ('Simple') moved to 2.0 (DEFECTS_SCHEMA keys replaced)"

    def describe_changes(self, old: Calibration) -> list[str]:
        """Boxes added and removed: how many, their pixel area and the region they cover."""
        if not self._tables or not old._tables:
            return super().describe_changes(old)
        before = {tuple(int(v) for v in row) for row in old.boxes()}
        after = {tuple(int(v) for v in row) for row in self.boxes()}
        lines = []
        for label, boxes in (("added", after - before), ("removed", before - after)):
            if boxes:
                area = sum(w * h for _, _, w, h in boxes)
                x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
                x1, y1 = max(b[0] + b[2] for b in boxes), max(b[1] + b[3] for b in boxes)
                lines.append(f"defects {label}: {len(boxes)} box(es), {area} pixel(s), within x {x0}..{x1 - 1}, "
                             f"y {y0}..{y1 - 1}")  # fmt: skip
        return lines

    def boxes(self) -> np.ndarray:
        """An ``(n, 4)`` array of ``x0, y0, width, height``."""
        table = self._tables[0]
        return np.column_stack([np.asarray(table[c], dtype=np.float64) for c in ("x0", "y0", "width", "height")])

    def check(self, ctx: CheckContext) -> None:
        """Boxes integer, positive in extent, inside the detector."""
        table = self._tables[0] if self._tables else None
        if table is None or any(table.column(c) is None for c in ("x0", "y0", "width", "height")):
            return  # the schema reports missing columns
        boxes = self.boxes()
        det = ctx.detector()
        for i, (x0, y0, w, h) in enumerate(boxes):
            line = ctx.row_line(i)
            if not all(float(v).is_integer() for v in (x0, y0, w, h)):
                ctx.error(
                    "defects", f"box {i + 1} ({x0:g}, {y0:g}, {w:g}, {h:g}) has non-integer pixel values", line=line
                )
                continue
            if w <= 0 or h <= 0:
                ctx.error("defects", f"box {i + 1} has width {w:g} and height {h:g}; both must be positive", line=line)
                continue
            if det is not None:
                b = det.bbox
                if x0 < b.x0 or y0 < b.y0 or x0 + w > b.x0 + b.width or y0 + h > b.y0 + b.height:
                    ctx.error(
                        "defects",
                        f"box {i + 1} ({x0:g}, {y0:g}, {w:g}, {h:g}) extends outside detector "
                        f"{det.name} ({b.width}x{b.height} pixels)",
                        line=line,
                        hint="x0, y0 are the 0-based bottom-left corner in the assembled detector",
                    )
