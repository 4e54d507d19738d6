"""Files that sit beside a calibration and share its validity start: ``<validStart><suffix>``.

Provenance (``.provenance.yaml``) and deprecation (``.deprecated.yaml``) records are sidecars; each
is a YAML mapping read with the safe loader and checked against a JSON Schema of its own family.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from obscal.io import safeyaml
from obscal.io.text import decode
from obscal.model.layout import CALIB_EXTENSIONS
from obscal.model.lines import LineIndex
from obscal.model.problems import ParseError, Report, Severity

if TYPE_CHECKING:
    from obscal.validation.schemas import SchemaSet


def path_for(calibration: Path, suffix: str) -> Path:
    """The sidecar of ``calibration``: same directory, same validity start."""
    return calibration.with_name(calibration.name.rsplit(".", 1)[0] + suffix)


def calibrations_of(sidecar: Path, suffix: str) -> list[Path]:
    """The calibration file(s) a sidecar belongs to (normally exactly one)."""
    stem = sidecar.name[: -len(suffix)]
    return [p for ext in CALIB_EXTENSIONS if (p := sidecar.with_name(stem + ext)).is_file()]


def parse(data: bytes, what: str) -> tuple[dict, LineIndex]:
    """Parse sidecar bytes with the safe loader; raise :class:`ParseError` unless it is a mapping."""
    content, index = safeyaml.parse(decode(data))
    if not isinstance(content, dict):
        raise ParseError(f"a {what} file is a YAML mapping", line=1)
    return content, index


def load(path: Path, what: str) -> tuple[dict, LineIndex]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ParseError(f"cannot read the file: {exc.strerror}") from None
    return parse(data, what)


def find(paths: Iterable[Path], suffix: str) -> Iterator[Path]:
    """Every sidecar with ``suffix`` under ``paths`` (directories walked; files taken when they match)."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*" + suffix) if not any(s.startswith(".") for s in p.parts))
        elif path.name.endswith(suffix):
            yield path


def check(
    content: dict, index: LineIndex, family: str, version_key: str, schemas: SchemaSet, report: Report,
    display: str,
) -> bool:  # fmt: skip
    """Check a parsed sidecar against its family's schema (the version it declares); report every issue."""
    version = str(content.get(version_key, schemas.versions(family)[-1]))
    schema = schemas.get(family, version)
    if schema is None:
        report.error(
            display,
            family,
            f"{version_key} {content.get(version_key)!r} is not known (known: {', '.join(schemas.versions(family))})",
            line=index.line_of(content, [version_key]),
        )
        return False
    ok = True
    for issue in schemas.check(schema, content):
        ok = False
        where = "/".join(str(p) for p in issue.path) or "file"
        line = index.line_of(content, list(issue.path)) or index.line_of(content, list(issue.path[:1]))
        report.add(
            display, Severity.ERROR, family, f"{where}: {issue.message}", line=line, pointer=issue.pointer,
            hint=issue.hint,
        )  # fmt: skip
    return ok


def check_orphan(path: Path, suffix: str, family: str, report: Report, display: str) -> bool:
    """Report a sidecar that has no calibration beside it."""
    if calibrations_of(path, suffix):
        return True
    report.error(
        display,
        family,
        "no calibration file beside it has this validity start",
        hint=f"name it after its calibration: <validStart>{suffix}",
    )
    return False
