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
        return (
            f"lsst.ip.isr.Intermediate{cls.short}TransmissionCurve",
            f"lsst.ip.isr.transmissionCurve.Intermediate{cls.short}TransmissionCurve",
        )

    def check(self, ctx: CheckContext) -> None:
        if self._tables:
            check_curve(ctx, ("efficiency", "throughput"))


class OpticsTransmission(TransmissionCurve):
    dataset_types = ("transmission_optics",)
    OBSTYPE = "transmission_optics"
    short = "Optics"


class FilterTransmission(TransmissionCurve):
    dataset_types = ("transmission_filter",)
    OBSTYPE = "transmission_filter"
    dimensions = ("physical_filter",)
    short = "Filter"


class FilterDetectorTransmission(TransmissionCurve):
    dataset_types = ("transmission_filter_detector",)
    OBSTYPE = "transmission_filter_detector"
    dimensions = ("detector", "physical_filter")
    short = "FilterDetector"


class SensorTransmission(TransmissionCurve):
    dataset_types = ("transmission_sensor",)
    OBSTYPE = "transmission_sensor"
    dimensions = ("detector",)
    short = "Sensor"


class AtmosphereTransmission(TransmissionCurve):
    dataset_types = ("transmission_atmosphere",)
    OBSTYPE = "transmission_atmosphere"
    short = "Atmosphere"


class SystemTransmission(TransmissionCurve):
    dataset_types = ("transmission_system",)
    OBSTYPE = "transmission_system"
    dimensions = ("detector", "physical_filter")
    short = "System"
