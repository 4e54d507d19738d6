"""Which calibration class handles which dataset type, CALIBCLS and OBSTYPE.

Type modules live in :mod:`obscal.calibtypes`; each registers its classes by subclassing
:class:`obscal.model.calibration.Calibration` with ``dataset_types`` set.  Adding a module there adds a
type: nothing in the core names the types.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from obscal.model.calibration import Calibration

_BY_DATASET_TYPE: dict[str, type[Calibration]] = {}
_loaded = False


def register(cls: type[Calibration]) -> None:
    """Add a calibration class for its dataset types (done by subclassing; raises ``RuntimeError`` on a clash)."""
    for name in cls.dataset_types:
        if name in _BY_DATASET_TYPE and _BY_DATASET_TYPE[name] is not cls:
            raise RuntimeError(f"dataset type {name!r} is registered twice")
        _BY_DATASET_TYPE[name] = cls


def load_types() -> dict[str, type[Calibration]]:
    """Import every module of :mod:`obscal.calibtypes` once; return dataset type -> class."""
    global _loaded
    if not _loaded:
        package = importlib.import_module("obscal.calibtypes")  # by name: types plug into the model
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
        _loaded = True
    return _BY_DATASET_TYPE


def for_dataset_type(name: str) -> type[Calibration] | None:
    """The class of a dataset type, or None."""
    return load_types().get(name)


def dimensions() -> dict[str, tuple[str, ...]]:
    """Dataset type -> its dimensions beyond the instrument."""
    return {name: cls.dimensions_of(name) for name, cls in load_types().items()}


def for_calibcls(calibcls: str) -> list[tuple[str, type[Calibration]]]:
    """The dataset types (and classes) a ``CALIBCLS`` value names."""
    return [(n, c) for n, c in load_types().items() if calibcls in c.calibcls_for(n)]


def for_obstype(obstype: str) -> list[tuple[str, type[Calibration]]]:
    """The dataset types (and classes) an ``OBSTYPE`` names (case ignored)."""
    return [(n, c) for n, c in load_types().items() if c.expected_obstype(n).lower() == obstype.lower()]
