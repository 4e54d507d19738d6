"""A certified bundle of one commit of the package: FITS files, manifests and the butler's import file.

:func:`export` validates and converts the package (:func:`obscal.ops.convert.convert`) into a staging
tree beside the output directory, adds

* ``manifest.json`` and ``manifest.ecsv`` — one row per certified interval (a replacement covers its
  own interval and those of the deprecated files it replaces);
* ``export.yaml`` — the LSST butler's import format (dimension records from the camera descriptions,
  dataset types, one RUN per validity start, one CALIBRATION collection per instrument, one
  ``validity_ranges`` entry per distinct timespan, bounds in TAI);
* ``README.md`` — what the bundle holds and how to ingest it;
* ``SHA256SUMS`` — over every other file;

and publishes the whole tree in one step (an interrupted export leaves no bundle). The same commit gives
byte-identical bundles: nothing in them depends on the clone, the time of the run or the machine.

Dataset ids are uuid5 of the instrument, dataset type, data id and the SHA-256 of the source text, so an
unchanged file keeps its dataset across exports and a changed one gets a new dataset.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import warnings
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

import numpy as np

from obscal.io import ecsv
from obscal.io.atomic import Staging
from obscal.model.camera import CameraView
from obscal.model.problems import ObscalError
from obscal.model.table import Column, Table
from obscal.ops.convert import Converted, convert
from obscal.ops.results import OperationResult, Progress
from obscal.store.cameras import CameraError, Cameras

#: The namespace of obscal's dataset ids (uuid5 of the instrument, type, data id and source SHA-256).
DATASET_NAMESPACE = uuid.UUID("6f2d7f0e-3c1a-5b7e-9a44-0b5c0a1ca1b0")
#: The formatter the LSST pipelines read these FITS files with.
FORMATTER = "lsst.obs.base.formatters.fitsGeneric.FitsGenericFormatter"
#: Butler storage class and dimensions of each dataset type (obs_base's standard list).
DATASET_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "defects": ("Defects", ("instrument", "detector")),
    "manual_defects": ("Defects", ("instrument", "detector")),
    "qe_curve": ("QECurve", ("instrument", "detector")),
    "crosstalk": ("CrosstalkCalib", ("instrument", "detector")),
    "linearizer": ("Linearizer", ("instrument", "detector")),
    "bfk": ("BrighterFatterKernel", ("instrument", "detector")),
    "transmission_sensor": ("TransmissionCurve", ("instrument", "detector")),
    "transmission_optics": ("TransmissionCurve", ("instrument",)),
    "transmission_atmosphere": ("TransmissionCurve", ("instrument",)),
    "transmission_filter": ("TransmissionCurve", ("instrument", "physical_filter")),
    "transmission_filter_detector": ("TransmissionCurve", ("instrument", "detector", "physical_filter")),
    "transmission_system": ("TransmissionCurve", ("instrument", "detector", "physical_filter")),
}
#: The manifest's columns, in order.
MANIFEST_COLUMNS = (
    "instrument_dir",
    "instrument",
    "dataset_type",
    "detector",
    "detector_name",
    "physical_filter",
    "valid_start_utc",
    "valid_end_utc",
    "valid_start_tai",
    "valid_end_tai",
    "run",
    "path",
    "sha256",
    "source",
    "source_commit",
    "calib_id",
    "dataset_id",
    "replaces",
)


@dataclass
class ExportResult(OperationResult):
    """The outcome of :func:`export`: the bundle's manifest rows and its collections."""

    rows: list[dict] = field(default_factory=list)
    bundle: Path | None = None


def calibration_collection(instrument: str) -> str:
    """The one CALIBRATION collection of an instrument, kept equal to the package by ``ingest``."""
    return f"{instrument}/calib/curated"


def chain_collection(instrument: str) -> str:
    """The CHAINED collection processing reads calibrations through."""
    return f"{instrument}/calib"


def run_name(instrument: str, label: str, start: datetime) -> str:
    """``<inst>/calib/<label>/curated/<YYYYMMDDTHHMMSS[.ffffff]Z>``: one RUN per validity start."""
    stamp = start.strftime("%Y%m%dT%H%M%S")
    if start.microsecond:
        stamp += f".{start.microsecond:06d}".rstrip("0")
    return f"{instrument}/calib/{label}/curated/{stamp}Z"


def tai(moment: datetime | None) -> str | None:
    """A naive-UTC instant as the butler writes TAI: ``'YYYY-MM-DD HH:MM:SS.fffffffff'`` (None stays None)."""
    if moment is None:
        return None
    from astropy.time import Time

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # dates before 1972 ("dubious year") are what the packages use
        t = Time(moment, scale="utc").tai
        t.precision = 9
        return t.iso


def utc(moment: datetime | None) -> str | None:
    """A naive-UTC instant in ISO form with ``Z`` (None stays None)."""
    return moment.isoformat() + "Z" if moment is not None else None


def export(
    sources: list[str | Path],
    out: str | Path,
    *,
    instruments: list[str] | None = None,
    rev: str | None = None,
    label: str | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
) -> ExportResult:
    """Write the certified bundle of the package under ``sources`` to ``out``.

    Parameters
    ----------
    sources
        The data package root(s) (``obs_data``), or instrument directories in it.
    out
        The bundle directory: built beside it and renamed into place when complete.
    instruments
        Only these instrument directories (default: every one under ``sources``).
    rev
        Export the package as it is at this git revision (no checkout).
    label
        The label of the RUN collections (default: the commit's first 12 hexadecimal digits).
    progress
        Told ``(phase, done, total)`` as files are validated and written (a progress bar).
    jobs
        Worker processes validating and writing (the bundle does not depend on it).

    Returns
    -------
    ExportResult
        The problems (nothing written when there is one), the files written and the manifest rows.

    Raises
    ------
    ObscalError
        A source or instrument does not exist, the package is not in git, an instrument has no camera
        description, or the label is not a plain name.
    """
    paths = [Path(s) for s in sources]
    if instruments:
        chosen = []
        for name in instruments:
            found = [p / name for p in paths if (p / name).is_dir()]
            if not found:
                raise ObscalError(f"no instrument directory {name!r} under {', '.join(map(str, paths))}")
            chosen.extend(found)
        paths = chosen
    if label is not None and (not label or "/" in label or label != label.strip()):
        raise ObscalError(f"--label {label!r}: give a plain name without '/' or surrounding spaces")
    result = ExportResult()

    def finish(staging: Staging, converted: list[Converted], commit: str) -> None:
        if not commit:
            raise ObscalError("an export needs a commit to stamp: commit the package first")
        rows, dimensions = _rows(converted, label or commit[:12])
        digests: dict[str, str] = {}
        for r in rows:
            if r["path"] not in digests:
                digests[r["path"]] = hashlib.sha256((staging.dir / r["path"]).read_bytes()).hexdigest()
            r["sha256"] = digests[r["path"]]
        result.rows = rows
        files = {
            "manifest.json": _manifest_json(rows, dimensions, commit, label or commit[:12]),
            "manifest.ecsv": _manifest_ecsv(rows, commit),
            "export.yaml": _export_yaml(rows, dimensions),
            "README.md": _readme(rows, commit),
        }
        for name, text in files.items():
            staging.path_for(PurePosixPath(name)).write_text(text, encoding="utf-8")
        sums = []
        for rel in sorted(staging.files, key=lambda r: r.as_posix()):
            digest = hashlib.sha256((staging.dir / rel).read_bytes()).hexdigest()
            sums.append(f"{digest}  {rel.as_posix()}\n")
        staging.path_for(PurePosixPath("SHA256SUMS")).write_text("".join(sums), encoding="utf-8")

    converted = convert(paths, out, rev=rev, finish=finish, progress=progress, jobs=jobs)
    result.report, result.written, result.skipped = converted.report, converted.written, converted.skipped
    result.notes = converted.notes
    result.bundle = Path(out) if converted.ok else None
    return result


# ------------------------------------------------------------------------------------------ rows


def _rows(converted: list[Converted], label: str) -> tuple[list[dict], dict]:
    """The manifest rows (sorted) and the dimension records of every instrument."""
    cameras: dict[Path, Cameras] = {}
    dims: dict[str, dict] = {}
    rows: list[dict] = []
    for item in converted:
        info = item.info
        cams = cameras.setdefault(info.root, Cameras(info.root))
        try:
            latest = cams.at(info.instrument)
        except CameraError as exc:
            raise ObscalError(f"{exc.path}: {exc.message}") from None
        if latest is None:
            raise ObscalError(
                f"instrument {info.instrument!r} has no camera description: the butler needs its detectors and "
                f"filters (add {info.instrument}/camera/<validStart>.yaml)"
            )
        name = latest.view.name or info.instrument
        if name not in dims:
            dims[name] = _dimension_records(cams, info.instrument, name)
        dimensions = DATASET_TYPES[info.calib_type][1]
        view = cams.at(info.instrument, item.ranges[0].start)
        view = view.view if view is not None else latest.view
        det = view.detector_by_dir(info.detector) if info.detector else None
        filt = view.filter_by_dir(info.filter) if info.filter else None
        data_id = {"instrument": name}
        if "detector" in dimensions:
            data_id["detector"] = det.id if det else None
        if "physical_filter" in dimensions:
            data_id["physical_filter"] = filt["name"] if filt else None
        key = "|".join([name, info.calib_type, json.dumps(data_id, sort_keys=True), item.source_sha256])
        dataset_id = str(uuid.uuid5(DATASET_NAMESPACE, key))
        own = next(r for r in item.ranges if r.via is None)
        for r in sorted(item.ranges, key=lambda r: r.start):
            rows.append(
                {
                    "instrument_dir": info.instrument,
                    "instrument": name,
                    "dataset_type": info.calib_type,
                    "detector": det.id if det else None,
                    "detector_name": det.name if det else None,
                    "physical_filter": filt["name"] if filt else None,
                    "valid_start_utc": utc(r.start),
                    "valid_end_utc": utc(r.end),
                    "valid_start_tai": tai(r.start),
                    "valid_end_tai": tai(r.end),
                    "run": run_name(name, label, own.start),
                    "path": item.fits.as_posix(),
                    "sha256": None,  # filled below, from the staged file
                    "source": item.source or info.relpath,
                    "source_commit": item.file_commit or None,
                    "calib_id": item.calib_id,
                    "dataset_id": dataset_id,
                    "replaces": r.via.name if r.via is not None else None,
                }
            )
    rows.sort(key=lambda r: (r["instrument"], r["dataset_type"], r["path"], r["valid_start_utc"]))
    return rows, dims


def _dimension_records(cameras: Cameras, instrument_dir: str, name: str) -> dict:
    """Instrument, detector and physical-filter records from every camera description of the instrument."""
    detectors: dict[int, dict] = {}
    filters: dict[str, dict] = {}
    for r in cameras.timeline(instrument_dir).effective:
        view: CameraView = cameras.at(instrument_dir, r.start).view  # type: ignore[union-attr]
        for d in view.detectors:
            raft, _, slot = d.name.partition("_")
            record = {
                "instrument": name,
                "id": d.id,
                "full_name": d.name,
                "name_in_raft": slot or d.name,
                "raft": raft if slot else None,
                "purpose": d.purpose,
            }
            if d.id in detectors and detectors[d.id] != record:
                raise ObscalError(
                    f"{instrument_dir}: detector {d.id} is described differently over time "
                    f"({detectors[d.id]['full_name']} and {d.name}): a butler keeps one record per detector"
                )
            detectors[d.id] = record
        for f in view.filters.values():
            filters[f["name"]] = {"instrument": name, "name": f["name"], "band": f.get("band") or f["name"]}
    return {
        "instrument": [
            {
                "name": name,
                "detector_max": max(detectors, default=-1) + 1,
                "visit_max": 1000000,
                "exposure_max": 1000000,
                "visit_system": 0,
            }
        ],
        "detector": [detectors[k] for k in sorted(detectors)],
        "physical_filter": [filters[k] for k in sorted(filters)],
    }


# ------------------------------------------------------------------------------------------ files


def _manifest_json(rows: list[dict], dimensions: dict, commit: str, label: str) -> str:
    doc = {
        "format": "obscal bundle 1",
        "commit": commit,
        "label": label,
        "formatter": FORMATTER,
        "dataset_types": {
            name: {"storage_class": storage, "dimensions": list(dims)}
            for name, (storage, dims) in sorted(DATASET_TYPES.items())
            if any(r["dataset_type"] == name for r in rows)
        },
        "collections": {
            inst: {"calibration": calibration_collection(inst), "chain": chain_collection(inst)}
            for inst in sorted(dimensions)
        },
        "dimensions": dimensions,
        "rows": rows,
    }
    return json.dumps(doc, indent=1, sort_keys=False) + "\n"


def _manifest_ecsv(rows: list[dict], commit: str) -> str:
    cols = []
    for name in MANIFEST_COLUMNS:
        values = [r[name] for r in rows]
        if name == "detector":
            cols.append(Column(name, "int64", np.array([v if v is not None else -1 for v in values], dtype=np.int64)))
        else:
            cols.append(Column(name, "string", np.array(["" if v is None else str(v) for v in values], dtype=str)))
    meta = {"OBSCAL_BUNDLE": "obscal bundle 1", "GIT_COMMIT": commit, "NOTE": "detector -1: not per detector"}
    return ecsv.write(Table(cols, meta))


def _yaml_str(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def _flow(record: dict) -> str:
    return "{" + ", ".join(f"{k}: {_yaml_str(v)}" for k, v in record.items()) + "}"


def _time(value: str | None) -> str:
    return f"!butler_time/tai/iso '{value}'" if value is not None else "null"


def _export_yaml(rows: list[dict], dimensions: dict) -> str:
    """The butler's import format (version 1.0.2), written as text (its tags are plain text to write)."""
    out = [
        "# Written by obscal export: the LSST butler import format. Import it into a NEW repository only:",
        "# a second import of the same file fails and its rollback deletes files (see README.md).",
        "description: obscal curated calibrations",
        "version: 1.0.2",
        "universe_version: 8",
        "universe_namespace: daf_butler",
        "data:",
    ]
    for element in ("instrument", "detector", "physical_filter"):
        records = [rec for inst in sorted(dimensions) for rec in dimensions[inst][element]]
        if records:
            out += ["- type: dimension", f"  element: {element}", "  records:"]
            out += [f"  - {_flow(rec)}" for rec in records]
    for run in sorted({r["run"] for r in rows}):
        out.append(
            f"- {{type: collection, collection_type: RUN, name: {_yaml_str(run)}, host: null, "
            "timespan_begin: null, timespan_end: null}"
        )
    for inst in sorted(dimensions):
        out.append(
            f"- {{type: collection, collection_type: CALIBRATION, name: {_yaml_str(calibration_collection(inst))}}}"
        )
    for name in sorted({r["dataset_type"] for r in rows}):
        storage, dims = DATASET_TYPES[name]
        out.append(
            f"- {{type: dataset_type, name: {name}, dimensions: [{', '.join(dims)}], storage_class: {storage}, "
            "is_calibration: true}"
        )
    seen: set[str] = set()
    by_group: dict[tuple[str, str], list[dict]] = {}
    for r in rows:
        if r["dataset_id"] in seen:
            continue  # a replacement's other intervals: one dataset
        seen.add(r["dataset_id"])
        by_group.setdefault((r["dataset_type"], r["run"]), []).append(r)
    for (dataset_type, run), members in sorted(by_group.items()):
        out += ["- type: dataset", f"  dataset_type: {dataset_type}", f"  run: {_yaml_str(run)}", "  records:"]
        for r in members:
            data_id = {"instrument": r["instrument"]}
            dims = DATASET_TYPES[dataset_type][1]
            if "detector" in dims:
                data_id["detector"] = r["detector"]
            if "physical_filter" in dims:
                data_id["physical_filter"] = r["physical_filter"]
            out.append(
                f"  - {{dataset_id: [!uuid '{r['dataset_id']}'], data_id: [{_flow(data_id)}], "
                f"path: {_yaml_str(r['path'])}, formatter: {FORMATTER}}}"
            )
    for inst in sorted(dimensions):
        spans: dict[tuple, list[str]] = {}
        for r in rows:
            if r["instrument"] == inst:
                spans.setdefault((r["valid_start_tai"], r["valid_end_tai"]), []).append(r["dataset_id"])
        if not spans:
            continue
        out += [
            "- type: associations",
            f"  collection: {_yaml_str(calibration_collection(inst))}",
            "  collection_type: CALIBRATION",
            "  validity_ranges:",
        ]
        for (begin, end), ids in sorted(spans.items(), key=lambda kv: (kv[0][0], kv[0][1] or "~")):
            out.append(f"  - timespan: !lsst.daf.butler.Timespan {{begin: {_time(begin)}, end: {_time(end)}}}")
            out.append(f"    dataset_ids: [{', '.join(f'!uuid {_yaml_str(i)}' for i in sorted(ids))}]")
    return "\n".join(out) + "\n"


def _readme(rows: list[dict], commit: str) -> str:
    insts = sorted({r["instrument"] for r in rows})
    counts = ", ".join(f"{i}: {sum(1 for r in rows if r['instrument'] == i)}" for i in insts)
    lines = [
        "# obscal calibration bundle",
        "",
        f"Curated calibrations of commit `{commit}`, as FITS files in the LSST layout, certified intervals",
        f"per instrument ({counts}). `manifest.json` / `manifest.ecsv` list every certified interval (validity",
        "in UTC and TAI, data id, file, SHA-256, source file and commit, CALIB_ID, dataset id);",
        "`SHA256SUMS` covers every file (`sha256sum -c SHA256SUMS`).",
        "",
        "## Ingest with obscal (safe to repeat, incremental)",
        "",
        "```bash",
        "pip install 'obscal[butler]'",
        "obscal ingest . --butler REPO --create   # a new SQLite repository; without --create an existing one",
        "obscal ingest . --butler REPO --dry-run  # what would change",
        "```",
        "",
        "It imports only datasets the repository does not hold, refuses conflicting dimension records, keeps",
        f"each CALIBRATION collection ({', '.join(calibration_collection(i) for i in insts)}) equal to this",
        "bundle (decertifying what it no longer certifies) and prepends it to the instrument's chain",
        f"({', '.join(chain_collection(i) for i in insts)}) without dropping the chain's other children.",
        "",
        "## Ingest with plain `butler import` (a new repository, once)",
        "",
        "```bash",
        "butler import REPO . --export-file export.yaml --transfer copy",
    ]
    lines += [
        f"butler collection-chain REPO {chain_collection(i)} {calibration_collection(i)} --mode prepend" for i in insts
    ]
    lines += [
        "```",
        "",
        "Never run `butler import` of this file twice, nor into a repository that holds an earlier bundle:",
        "the second import fails on a unique constraint and its rollback deletes files already in the",
        "datastore, and an import cannot decertify. The files are read by",
        f"`{FORMATTER}` (lsst.obs.base).",
        "",
    ]
    return "\n".join(lines)
