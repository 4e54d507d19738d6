"""obscal: curated instrument calibrations kept as text in git, checked and handed to data systems.

Main entry points::

    from obscal import Calibration, Package, validate
    calib = Calibration.readText("obs_data/ExampleCam/defects/r22_s00/20240101T000000.ecsv")
    report = validate(["obs_data"])
    answer = Package.open("obs_data").lookup("ExampleCam", "defects", "2024-07-01", detector="R22_S00")
"""

from __future__ import annotations

__version__ = "0.3.0"

from .calibration import Calibration
from .package import Package
from .problems import ObscalError, ParseError, Problem, Report, Severity
from .validate import validate

__all__ = ["Calibration", "ObscalError", "Package", "ParseError", "Problem", "Report", "Severity", "validate"]
