"""``qe_curve``: quantum efficiency per detector or per amplifier (meas_algorithms ``Curve``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from obscal.calibtypes._curves import check_curve
from obscal.model.calibration import Calibration

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext


class QECurve(Calibration):
    """``qe_curve``: quantum efficiency per detector or per amplifier (meas_algorithms ``Curve``)."""

    dataset_types = ("qe_curve",)
    OBSTYPE = "qe_curve"
    SCHEMA = "obscal QE curve"
    VERSION = "1.0"
    LEGACY_VERSION = "1.0"
    dimensions = ("detector",)
    # meas_algorithms picks the Curve subclass from MODE, so no CALIBCLS is written.

    def check(self, ctx: CheckContext) -> None:
        """MODE agrees with the columns; the curve checks."""
        mode = self.getMetadata().get("MODE")
        table = self._tables[0] if self._tables else None
        if table is None:
            return
        if mode == "AMP" and table.column("amp_name") is None:
            ctx.error("qe_curve", "MODE is AMP but there is no amp_name column", path=("metadata", "MODE"))
        if mode == "DETECTOR" and table.column("amp_name") is not None:
            ctx.error("qe_curve", "MODE is DETECTOR but the table has an amp_name column", path=("metadata", "MODE"))
        check_curve(ctx, ("efficiency",), percent_only=True)
