"""The version of obscal: the installed distribution's, from ``pyproject.toml`` (the one place it is set)."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("obscal")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
