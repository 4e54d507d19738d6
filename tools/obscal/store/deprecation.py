"""Deprecation records: a calibration found bad is marked, not deleted, so that history stays reproducible.

The record is a ``<validStart>.deprecated.yaml`` sidecar (``schemas/deprecation/``) beside the
calibration: who, when, why, and optionally the replacement (a file in the same directory) that takes
over its validity interval. Lookups and exports leave deprecated files out (:mod:`obscal.model.validity`);
the validator keeps checking them and says they are deprecated. Deleting the sidecar undoes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from obscal.model.validity import Deprecation
from obscal.store import sidecars

SUFFIX = ".deprecated.yaml"
FAMILY, VERSION = "deprecation", "1.0"


def sidecar_of(calibration: Path) -> Path:
    """Where the deprecation record of ``calibration`` lives."""
    return sidecars.path_for(calibration, SUFFIX)


def from_mapping(data: dict) -> Deprecation:
    """The record of a parsed (schema-valid) sidecar."""
    return Deprecation(
        date=str(data.get("date", "")),
        author=str(data.get("author", "")),
        reason=str(data.get("reason", "")),
        superseded_by=str(data["superseded_by"]) if data.get("superseded_by") else None,
    )


def parse(data: bytes) -> Deprecation:
    """The record in sidecar bytes (not checked against the schema).

    Raises
    ------
    ParseError
        Not a YAML mapping.
    """
    content, _ = sidecars.parse(data, "deprecation")
    return from_mapping(content)


def find(paths: list[Path]) -> Iterator[Path]:
    """Every deprecation record under ``paths``."""
    return sidecars.find(paths, SUFFIX)
