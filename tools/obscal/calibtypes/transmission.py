"""``transmission_*``: throughput curves of the optics, filters, sensors, atmosphere and system."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from obscal.calibtypes._curves import check_curve
from obscal.model.calibration import Calibration

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext


class TransmissionCurve(Calibration):
    """Base of the six transmission types (not registered itself)."""

    SCHEMA = ""
    VERSION = "1.0"
    LEGACY_VERSION = "1.0"
    calibcls_required = True
    short: ClassVar[str] = ""

    @classmethod
    def calibcls_for(cls, dataset_type: str) -> tuple[str, ...]:
        """The LSST class names of this transmission curve (the short and the module path)."""
        return (
            f"lsst.ip.isr.Intermediate{cls.short}TransmissionCurve",
            f"lsst.ip.isr.transmissionCurve.Intermediate{cls.short}TransmissionCurve",
        )

    def check(self, ctx: CheckContext) -> None:
        """The curve checks."""
        if self._tables:
            check_curve(ctx, ("efficiency", "throughput"))


class OpticsTransmission(TransmissionCurve):
    """``transmission_optics``: throughput of the optics, per instrument."""

    dataset_types = ("transmission_optics",)
    OBSTYPE = "transmission_optics"
    short = "Optics"


class FilterTransmission(TransmissionCurve):
    """``transmission_filter``: throughput of a physical filter."""

    dataset_types = ("transmission_filter",)
    OBSTYPE = "transmission_filter"
    dimensions = ("physical_filter",)
    short = "Filter"


class FilterDetectorTransmission(TransmissionCurve):
    """``transmission_filter_detector``: a filter's throughput per detector."""

    dataset_types = ("transmission_filter_detector",)
    OBSTYPE = "transmission_filter_detector"
    dimensions = ("detector", "physical_filter")
    short = "FilterDetector"


class SensorTransmission(TransmissionCurve):
    """``transmission_sensor``: a detector's response per amplifier."""

    dataset_types = ("transmission_sensor",)
    OBSTYPE = "transmission_sensor"
    dimensions = ("detector",)
    short = "Sensor"


class AtmosphereTransmission(TransmissionCurve):
    """``transmission_atmosphere``: a standard atmosphere."""

    dataset_types = ("transmission_atmosphere",)
    OBSTYPE = "transmission_atmosphere"
    short = "Atmosphere"


class SystemTransmission(TransmissionCurve):
    """``transmission_system``: the whole system per detector and filter."""

    dataset_types = ("transmission_system",)
    OBSTYPE = "transmission_system"
    dimensions = ("detector", "physical_filter")
    short = "System"
