"""Files that sit beside a calibration and share its validity start: ``<validStart><suffix>``.

Provenance (``.provenance.yaml``) and deprecation (``.deprecated.yaml``) records are sidecars; each
is a YAML mapping read with the safe loader and checked against a JSON Schema of its own family.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

from obscal.io import safeyaml
from obscal.io.text import decode, read_bytes
from obscal.model.layout import is_calibration_file
from obscal.model.lines import LineIndex
from obscal.model.problems import ParseError

#: A sidecar record is small: provenance lists inputs and configuration, nothing bulky.
MAX_BYTES = 16 * 1024 * 1024


def path_for(calibration: Path, suffix: str) -> Path:
    """The sidecar of ``calibration``: same directory, same validity start."""
    return calibration.with_name(calibration.name.rsplit(".", 1)[0] + suffix)


def calibrations_of(sidecar: Path, suffix: str) -> list[Path]:
    """The calibration file(s) a sidecar belongs to (normally exactly one)."""
    stem = sidecar.name[: -len(suffix)]
    return sorted(p for p in sidecar.parent.glob(f"{stem}.*") if is_calibration_file(p.name) and p.is_file())


def parse(data: bytes, what: str) -> tuple[dict, LineIndex]:
    """Parse sidecar bytes with the safe loader; raise :class:`ParseError` unless it is a mapping."""
    content, index = safeyaml.parse(decode(data))
    if not isinstance(content, dict):
        raise ParseError(f"a {what} file is a YAML mapping", line=1)
    return content, index


def load(path: Path, what: str) -> tuple[dict, LineIndex]:
    """Read and parse a sidecar file (raises :class:`ParseError`)."""
    return parse(read_bytes(path, MAX_BYTES), what)


def find(paths: Iterable[Path], suffix: str) -> Iterator[Path]:
    """Every sidecar with ``suffix`` under ``paths`` (directories walked; files taken when they match)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*" + suffix) if not any(s.startswith(".") for s in p.parts))
        elif path.name.endswith(suffix):
            yield path
