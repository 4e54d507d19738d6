"""FITS -> text (``obscal totext``): calibrations in the LSST FITS layout back to ECSV/YAML, all or nothing.

Files obscal wrote come back as the very text they were made from (the ``OBSCAL TEXTFORM`` record);
files from other software are read from their tables and headers and placed by their metadata.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from obscal.io.atomic import Staging
from obscal.io.fits import PROVENANCE, FitsContent
from obscal.io.safeyaml import dump_data
from obscal.io.stamps import from_fits
from obscal.model import formats, registry
from obscal.model.calibration import Calibration
from obscal.model.identity import dirname
from obscal.model.instants import format_stem, parse_metadata_instant
from obscal.model.layout import resolve
from obscal.model.problems import Code, ObscalError, ParseError
from obscal.ops.convert import message
from obscal.ops.results import OperationResult
from obscal.store import provenance
from obscal.validation import records
from obscal.validation.schemas import default_schemas
from obscal.validation.validator import display


def find_fits(paths: Iterable[Path]) -> list[Path]:
    """The FITS files given, and those under the directories given (hidden ones left out)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                sorted(
                    p
                    for p in path.rglob("*")
                    if _is_fits(p)
                    and p.is_file()
                    and not any(part.startswith(".") for part in p.relative_to(path).parts)
                )
            )
        else:
            found.append(path)
    return found


def _is_fits(path: Path) -> bool:
    fmt = formats.for_path(path)
    return fmt is not None and fmt.name == "fits"


def totext(sources: Iterable[str | Path], out: str | Path) -> OperationResult:
    """Convert FITS calibrations back to text, in a tree mirroring the data package, all or nothing.

    Parameters
    ----------
    sources
        FITS files, or directories searched for them.
    out
        The output directory.

    Returns
    -------
    OperationResult
        The problems and the files written (text, ``.stamps.yaml`` and provenance records).

    Raises
    ------
    ObscalError
        A source does not exist or holds no FITS file, or ``out`` is a file.
    """
    sources = [Path(s) for s in sources]
    missing = [str(s) for s in sources if not s.exists()]
    if missing:
        raise ObscalError(f"no such file or directory: {', '.join(missing)}")
    files = find_fits(sources)
    if not files:
        raise ObscalError(f"no FITS files in {', '.join(str(s) for s in sources)}")
    result = OperationResult()
    report = result.report
    with Staging(Path(out)) as staging:
        for path in files:
            report.files_checked += 1
            label = display(path)
            try:
                calib = Calibration.readFits(path)
                content = calib.source.fits
                rel = _text_path(calib, content)
                text_path = staging.path_for(rel)
                fmt = formats.for_path(rel).name  # type: ignore[union-attr] - a text name chosen below
                text_path.write_text(calib.toText(fmt), encoding="utf-8")
                if content.record is not None:
                    stamps = from_fits(content.stamp_cards, content.history, content.primary)
                    side = staging.path_for(rel.with_name(rel.name.rsplit(".", 1)[0] + ".stamps.yaml"))
                    side.write_text(dump_data({"converted_from": path.name, **stamps}), encoding="utf-8")
                if content.provenance is not None:
                    where = f"{label} ({PROVENANCE})"
                    if records.check_provenance_data(content.provenance, default_schemas(), report, where):
                        side = staging.path_for(rel.with_name(rel.name.rsplit(".", 1)[0] + provenance.SUFFIX))
                        side.write_text(dump_data(content.provenance), encoding="utf-8")
            except (ObscalError, ParseError) as exc:
                text = message(exc)
                report.error(label, Code.TOTEXT, text.removeprefix(f"{path}: "))
            except Exception as exc:  # a bug in obscal: this file's problem; nothing is written
                report.internal(label, exc)
        if report.ok:
            result.written = staging.commit()
    return result


def _text_path(calib: Calibration, content: FitsContent) -> PurePosixPath:
    """Where the text form goes, relative to the output root: as recorded, or from the metadata."""
    dims = registry.dimensions()
    recorded = content.stamp_cards.get("OBSCAL PATH") if content.record is not None else None
    if recorded:
        rel = PurePosixPath(str(recorded))
        if rel.is_absolute() or ".." in rel.parts or any(p.startswith(".") for p in rel.parts):
            raise ObscalError(f"the recorded path {recorded!r} is not a safe relative path")
        try:
            resolve(Path(*rel.parts), dims)
        except ParseError as exc:
            raise ObscalError(f"the recorded path {recorded!r} is not in the package layout: {exc.message}") from None
        return rel
    return _path_from_metadata(calib, dims)


def _path_from_metadata(calib: Calibration, dims: dict) -> PurePosixPath:
    md = calib.getMetadata()

    def need(*keys: str) -> str:
        for key in keys:
            if md.get(key) not in (None, ""):
                return str(md[key])
        raise ObscalError(f"metadata has no {' or '.join(keys)}: cannot tell where the text file goes")

    parts = [need("INSTRUME"), calib.dataset_type]
    if "detector" in dims[calib.dataset_type]:
        parts.append(dirname(need("DET_NAME", "DETECTOR_NAME")))
    if "physical_filter" in dims[calib.dataset_type]:
        parts.append(dirname(need("FILTER")))
    when = need("CALIBDATE", "VALIDSTART")
    try:
        start = parse_metadata_instant(when, "CALIBDATE")
    except ParseError as exc:
        raise ObscalError(exc.message) from None
    fmt = "ecsv" if len(calib.tables()) == 1 else calib.default_format if calib.tables() else "yaml"
    for part in parts:
        if "/" in part or part in ("", ".", "..") or part.startswith("."):
            raise ObscalError(f"metadata value {part!r} cannot be a directory name")
    return PurePosixPath(*parts, f"{format_stem(start)}.{fmt}")
