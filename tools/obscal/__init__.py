"""obscal: curated instrument calibrations kept as text in git, checked and handed to data systems.

Main entry points::

    from obscal import Calibration, validate
    calib = Calibration.readText("obs_data/ExampleCam/defects/r00_s00/20240101T000000.ecsv")
    report = validate(["obs_data"])
"""

from __future__ import annotations

__version__ = "0.2.0"

from .calibration import Calibration
from .problems import ObscalError, ParseError, Problem, Report, Severity
from .validate import validate

__all__ = ["Calibration", "ObscalError", "ParseError", "Problem", "Report", "Severity", "validate"]
