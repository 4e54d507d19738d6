"""obscal: curated instrument calibrations kept as text in git, checked and handed to data systems.

Main entry points::

    from obscal import Calibration, Package, validate, convert
    calib = Calibration.readText("obs_data/ExampleCam/defects/r22_s00/20240101T000000.ecsv")
    result = validate(["obs_data"])
    answer = Package.open("obs_data").lookup("ExampleCam", "defects", "2024-07-01", detector="R22_S00")

The package is layered (each layer imports only those before it)::

    model -> calibtypes -> io -> store -> validation -> ops -> cli

``testing`` holds the synthetic-package generator and comparisons used by tests and benchmarks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from obscal._version import __version__
from obscal.model.calibration import Calibration
from obscal.model.problems import ObscalError, ParseError, Problem, Report, Severity
from obscal.store.package import Package
from obscal.validation.validator import validate

if TYPE_CHECKING:
    from obscal.ops.certify import certify
    from obscal.ops.convert import convert
    from obscal.ops.deprecate import deprecate
    from obscal.ops.totext import totext

#: Operations load GitPython and astropy.io.fits; they are imported on first use so that ``import obscal``
#: (and every command, the pre-commit hook included) stays quick.
_LAZY = {
    "convert": "obscal.ops.convert",
    "totext": "obscal.ops.totext",
    "certify": "obscal.ops.certify",
    "deprecate": "obscal.ops.deprecate",
}

__all__ = [
    "Calibration",
    "ObscalError",
    "Package",
    "ParseError",
    "Problem",
    "Report",
    "Severity",
    "__version__",
    "certify",
    "convert",
    "deprecate",
    "totext",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'obscal' has no attribute {name!r}")
