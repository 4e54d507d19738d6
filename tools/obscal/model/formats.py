"""The format registry: which file formats exist, how a path is identified, which module implements each.

Like astropy's ``io.registry``, a format is registered, not branched on: callers ask
:func:`for_path` or :func:`by_name` and never test a suffix. The implementations live in
:mod:`obscal.io` (one module per format) and are imported by name on first use, so the model does not
depend on them and ``import obscal`` does not load astropy.

A text format module provides ``load(path, text) -> Document`` and ``dump(calibration) -> str``; a
binary one (FITS) provides ``read(cls, path, dataset_type) -> Calibration`` and
``write(calibration, path, stamps) -> Path``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from obscal.model.problems import ParseError

if TYPE_CHECKING:
    from obscal.model.document import Document


@dataclass(frozen=True)
class Format:
    """A file format: its name, the suffixes that identify it, and the module implementing it."""

    name: str
    suffixes: tuple[str, ...]
    module: str
    text: bool = True
    #: Whether files of this format are calibrations in a data package (``obs_data``).
    in_package: bool = True

    def implementation(self) -> ModuleType:
        """The module that reads and writes this format (imported on first use)."""
        module = _MODULES.get(self.module)
        if module is None:
            module = _MODULES[self.module] = importlib.import_module(self.module)
        return module


_FORMATS: dict[str, Format] = {}
_MODULES: dict[str, ModuleType] = {}
_loaded = False


def register(fmt: Format) -> None:
    """Add a format (done by :mod:`obscal.io` when it is imported).

    Raises
    ------
    ValueError
        A suffix is claimed by two formats.
    """
    for other in _FORMATS.values():
        if other.name != fmt.name and set(other.suffixes) & set(fmt.suffixes):
            raise ValueError(f"suffix claimed by both {other.name} and {fmt.name}")
    _FORMATS[fmt.name] = fmt


def _formats() -> dict[str, Format]:
    global _loaded
    if not _loaded:
        importlib.import_module("obscal.io")  # registers every format it implements
        _loaded = True
    return _FORMATS


def by_name(name: str) -> Format:
    """The format called ``name``.

    Raises
    ------
    KeyError
        No such format.
    """
    return _formats()[name]


def for_path(path: Path | str) -> Format | None:
    """The format a file name says (its suffix, lower case), or None."""
    name = str(path)
    dot = name.rfind(".")
    suffix = name[dot:].lower() if dot > max(name.rfind("/"), 0) else ""
    return next((f for f in _formats().values() if suffix in f.suffixes), None)


def all_formats() -> list[Format]:
    """Every registered format."""
    return list(_formats().values())


def package_suffixes() -> tuple[str, ...]:
    """Suffixes of calibration files in a data package (the text formats), as obs_base reads them."""
    return tuple(s for f in _formats().values() if f.text and f.in_package for s in f.suffixes)


def read_document(path: Path, data: bytes | None = None) -> Document:
    """Parse a text calibration file (or ``data``, its bytes read elsewhere, e.g. from git).

    Raises
    ------
    ParseError
        The file cannot be read, is not a text format, or is malformed (with the line).
    """
    fmt = for_path(path)
    if fmt is None or not fmt.text:
        known = ", ".join(s for f in all_formats() if f.text for s in f.suffixes)
        raise ParseError(f"unsupported file type {Path(path).suffix!r}", hint=f"calibrations are {known}")
    return _module("obscal.io.text").read_document(path, data, fmt)


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` so that the file appears whole or not at all (:mod:`obscal.io.atomic`)."""
    return _module("obscal.io.atomic").write_text(path, text)


def _module(name: str) -> ModuleType:
    module = _MODULES.get(name)
    if module is None:
        module = _MODULES[name] = importlib.import_module(name)
    return module


def astropy_bridge() -> ModuleType:
    """The module converting tables to and from ``astropy.table.Table`` (imports astropy)."""
    return importlib.import_module("obscal.io.astropy_tables")
