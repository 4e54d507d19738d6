"""FITS files in the LSST layout, written and read without losing anything.

Layout (what ``lsst.ip.isr`` reads and writes): an empty primary HDU, then one binary-table HDU per
table, each carrying the calibration metadata in its header. obscal adds, without disturbing that:

* in every table HDU, after the metadata: ``VALIDSTART``/``VALIDEND`` and the ``OBSCAL ...`` stamps
  (see :mod:`obscal.model.stamps`), then ``HISTORY`` cards a person can read;
* in the primary header: ``DATE`` (the commit time), and ``OBSCAL TEXTFORM``, a JSON record of what the
  binary tables cannot say by themselves (the text format and file name, column descriptions, the
  shape of a YAML file around its arrays), so that :func:`read_fits` rebuilds the very text it came
  from; plus ``OBSCAL PROVENANCE`` when a construction-provenance sidecar was carried along.

Files from other software (no ``OBSCAL TEXTFORM``) are read from the tables and headers alone.
Every HDU gets ``CHECKSUM``/``DATASUM``, dated with the commit time, so bytes are reproducible.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from astropy.io import fits

from obscal.io import fitsheader, typedjson
from obscal.io import stamps as stamp_cards
from obscal.io.atomic import write_bytes
from obscal.io.safeyaml import PROPERTYLIST_TYPES
from obscal.io.text import read_bytes
from obscal.model.document import Document
from obscal.model.problems import ObscalError, ParseError
from obscal.model.stamps import METADATA_KEYS, STAMP_KEYS
from obscal.model.table import DATATYPES, Column, Table

if TYPE_CHECKING:
    from obscal.model.calibration import Calibration, LsstTables
    from obscal.model.stamps import Stamps

#: The largest FITS file read (curated calibrations are megabytes).
MAX_BYTES = 256 * 1024 * 1024
TEXTFORM = "OBSCAL TEXTFORM"
PROVENANCE = "OBSCAL PROVENANCE"
RECORD_VERSION = 1

_FORMAT_CODE = {"bool": "L", "uint8": "B", "int16": "I", "int32": "J", "int64": "K", "float32": "E", "float64": "D"}
#: Types FITS has no code for, stored in a wider type (the TEXTFORM record gives the type back).
_WIDER = {"int8": "int16", "uint16": "int32", "uint32": "int64", "float16": "float32"}
_DATATYPE_OF_CODE = {v: k for k, v in _FORMAT_CODE.items()}


# ------------------------------------------------------------------------------------------ columns


def _plain_string(value: str) -> bool:
    return value.isascii() and value.isprintable() and value == value.rstrip(" ")


def _fits_column(col: Column) -> tuple[fits.Column, bool]:
    """A FITS column for ``col``, and whether its cells must also be kept in the record (strings only)."""
    name, unit = col.name, col.unit or None
    if col.subtype == "json":
        cells = [typedjson.dumps(v) for v in col.data]
        return _string_column(name, unit, cells), False
    if col.is_array:
        return _array_column(col), False
    if col.datatype == "string":
        cells = [str(v) for v in col.data]
        return _string_column(name, unit, cells), not all(_plain_string(c) for c in cells)
    datatype = _WIDER.get(col.datatype, col.datatype)
    data = np.asarray(col.data)
    if datatype == "uint64":
        return fits.Column(name, format="K", bzero=2**63, unit=unit, array=data.astype(np.uint64)), False
    if datatype not in _FORMAT_CODE:
        raise ObscalError(f"column {name!r}: datatype {col.datatype!r} has no FITS form")
    return fits.Column(name, format=_FORMAT_CODE[datatype], unit=unit, array=data.astype(datatype)), False


def _string_column(name: str, unit: str | None, cells: list[str]) -> fits.Column:
    raw = [c.encode("ascii", "replace") for c in cells]
    width = max([len(r) for r in raw] + [1])
    return fits.Column(name, format=f"{width}A", unit=unit, array=np.array(raw, dtype=f"S{width}"))


def _array_column(col: Column) -> fits.Column:
    base = col.subtype.split("[", 1)[0]  # type: ignore[union-attr]
    base = _WIDER.get(base, base)
    if base not in _FORMAT_CODE:
        raise ObscalError(f"column {col.name!r}: array cells of {base!r} have no FITS form")
    code = _FORMAT_CODE[base]
    cells = [np.asarray(c, dtype=base) for c in col.data]
    shapes = {c.shape for c in cells}
    declared = col.subtype.split("[", 1)[1].rstrip("]") if "[" in col.subtype else ""  # type: ignore[union-attr]
    if not cells and declared.isdigit():
        shapes = {(int(declared),)}
    if len(shapes) == 1:
        (shape,) = shapes
        size = int(np.prod(shape))
        if size > 0 or cells:
            array = np.stack(cells) if cells else np.zeros((0, *shape), dtype=base)
            dim = "(" + ",".join(str(n) for n in reversed(shape)) + ")" if len(shape) > 1 else None
            return fits.Column(col.name, format=f"{size}{code}", dim=dim, unit=col.unit or None, array=array)
    if any(c.ndim != 1 for c in cells):
        raise ObscalError(f"column {col.name!r}: cells of different multi-dimensional shapes have no FITS form")
    longest = max([c.size for c in cells] + [0])
    return fits.Column(col.name, format=f"P{code}({longest})", unit=col.unit or None, array=cells)


def _column_from_fits(hdu: fits.BinTableHDU, index: int, decl: dict | None) -> Column:
    fcol = hdu.columns[index]
    raw = hdu.data.field(index) if len(hdu.data) else None
    if decl is None:
        decl = _declaration_of(fcol, raw)
    name = decl["name"]
    subtype = decl.get("subtype")
    extra = {k: v for k, v in decl.items() if k not in ("name", "datatype", "unit", "description", "subtype")}
    rows = len(hdu.data) if hdu.data is not None else 0
    if subtype == "json":
        data: Any = [typedjson.loads(_text(v), f"column {name}") for v in (raw if rows else [])]
    elif subtype is not None:
        base = subtype.split("[", 1)[0]
        data = [np.array(np.asarray(v), dtype=np.bool_ if base == "bool" else base) for v in (raw if rows else [])]
    elif decl["datatype"] == "string":
        data = np.array([_text(v) for v in raw] if rows else [], dtype=str)
    else:
        data = np.asarray(raw if rows else [], dtype=decl["datatype"]).astype(decl["datatype"])
    return Column(
        name, decl["datatype"], data, unit=decl.get("unit"), description=decl.get("description"),
        subtype=subtype, extra=extra,
    )  # fmt: skip


def _text(value: Any) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)


def _declaration_of(fcol: fits.Column, raw: Any) -> dict:
    """The ECSV declaration a FITS column written by other software maps to."""
    fmt = str(fcol.format)
    decl: dict = {"name": fcol.name}
    if fcol.unit:
        decl["unit"] = fcol.unit
    code = fmt.lstrip("0123456789")
    if code.startswith(("P", "Q")):
        base = _DATATYPE_OF_CODE.get(code[1], "float64")
        decl.update(datatype="string", subtype=f"{base}[null]")
        return decl
    if code.startswith("A"):
        decl["datatype"] = "string"
        return decl
    repeat = fmt[: len(fmt) - len(code)]
    dtype = np.asarray(raw).dtype if raw is not None else None
    base = "bool" if code == "L" else (dtype.name if dtype is not None else _DATATYPE_OF_CODE.get(code, "float64"))
    if (repeat and repeat != "1") or fcol.dim:
        shape = fcol.dim.strip("()").split(",")[::-1] if fcol.dim else [repeat]
        decl.update(datatype="string", subtype=f"{base}[{','.join(s.strip() for s in shape)}]")
        return decl
    decl["datatype"] = base
    return decl


# ------------------------------------------------------------------------------------------ writing


def _table_hdu(table: Table, exact: dict, t_index: int) -> fits.BinTableHDU:
    columns = []
    for col in table.columns:
        fcol, keep = _fits_column(col)
        if keep:
            exact[f"{t_index}/{col.name}"] = [str(v) for v in col.data]
        columns.append(fcol)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hdu = fits.BinTableHDU.from_columns(columns, nrows=len(table))
    return hdu


def _skeleton(content: Any, refs: dict[tuple, tuple[int, str, int]], tables: list[Table]) -> Any:
    """``content`` in typed JSON, every array a table cell holds exactly replaced by ``{"$ref": [t, col, row]}``.

    The references are put into (and resolved from) the *encoded* form, where a genuine ``$ref`` key
    of the content is escaped inside a ``$map``, so the two cannot be confused.
    """
    out = typedjson.encode(content)
    for path, (t, name, row) in refs.items():
        value = _get(content, path)
        cell = tables[t].column(name).data[row]  # type: ignore[union-attr]
        if value is None or not typedjson.same(_cell_value(cell), value):
            continue
        try:
            holder = _get(out, path[:-1], encoded=True)
        except KeyError:
            continue  # a mapping typed JSON had to rewrite: keep the array inline
        if (isinstance(holder, dict) and path[-1] in holder) or isinstance(holder, list):
            holder[path[-1]] = {"$ref": [t, name, row]}
    return out


def _get(obj: Any, path: tuple, encoded: bool = False) -> Any:
    for key in path:
        if isinstance(obj, dict) and key in obj:
            obj = obj[key]
        elif isinstance(obj, list) and isinstance(key, int) and key < len(obj):
            obj = obj[key]
        else:
            if encoded:
                raise KeyError(path)
            return None
    return obj


def _cell_value(cell: Any) -> Any:
    return cell.tolist() if hasattr(cell, "tolist") else cell


def _restore(skeleton: Any, tables: list[Table]) -> Any:
    """Put the referenced cells back into an encoded skeleton (decode it afterwards)."""
    if isinstance(skeleton, dict):
        if set(skeleton) == {"$ref"}:
            t, name, row = skeleton["$ref"]
            return typedjson.encode(_cell_value(tables[t].column(name).data[row]))  # type: ignore[union-attr]
        return {k: _restore(v, tables) for k, v in skeleton.items()}
    if isinstance(skeleton, list):
        return [_restore(v, tables) for v in skeleton]
    return skeleton


def _record(calib: Calibration, lsst: LsstTables, codes: dict, exact: dict, source_name: str) -> dict:
    doc = calib.source
    fmt = doc.format if doc is not None else ("ecsv" if calib.tables() else "yaml")
    record: dict = {"version": RECORD_VERSION, "type": calib.dataset_type, "format": fmt, "name": source_name}
    if codes:
        record["codes"] = codes
    if fmt == "ecsv":
        table = calib.tables()[0]
        record["ecsv_version"] = table.ecsv_version
        record["columns"] = [c.declaration() for c in table.columns]
        if table.serialized_columns:
            record["serialized_columns"] = typedjson.encode(table.serialized_columns)
    else:
        whole = calib.toDict()
        content = {k: v for k, v in whole.items() if k != "metadata"}
        record["keys"] = list(whole)
        record["skeleton"] = _skeleton(content, lsst.refs, lsst.tables)
        if doc is not None and doc.metadata_form == "propertylist":
            record["metadata_form"] = "propertylist"
            record["propertylist_types"] = doc.propertylist_types
        record["columns"] = [[c.declaration() for c in t.columns] for t in lsst.tables]
    if exact:
        record["exact"] = exact
    return record


def fits_bytes(calib: Calibration, stamps: Stamps | None = None, source_name: str | None = None) -> bytes:
    """The FITS file for ``calib`` as bytes (deterministic for the same input and stamps).

    Raises
    ------
    ObscalError
        The calibration has no FITS form, a metadata key or value cannot be a card, or a metadata
        ``VALIDSTART``/``VALIDEND`` disagrees with the computed validity.
    """
    lsst = calib.lsst_tables()
    where = f"{source_name}: " if source_name else ""
    metadata = calib.getMetadata()
    clash = sorted(set(metadata) & set(METADATA_KEYS if stamps else ()))
    if stamps and any(str(metadata[k]) != str(stamps.values()[k]) for k in clash):
        raise ObscalError(
            f"{where}metadata key(s) {', '.join(clash)} disagree with the computed validity "
            f"({', '.join(f'{k}={stamps.values()[k]!r}' for k in clash)})"
        )
    meta_cards, codes = fitsheader.metadata_cards(metadata, where)
    exact: dict = {}
    hdus: list[fits.hdu.base.ExtensionHDU] = []
    for t_index, table in enumerate(lsst.tables):
        hdu = _table_hdu(table, exact, t_index)
        for c in meta_cards:
            hdu.header.append(fits.Card.fromstring(c.image))  # a card object belongs to one header
        if stamps is not None:
            for c in stamp_cards.table_cards(stamps, skip=set(clash)):
                hdu.header.append(c)
        hdus.append(hdu)
    primary = fits.PrimaryHDU()
    for header in [primary.header] + [h.header for h in hdus]:
        header.append(("LONGSTRN", "OGIP 1.0", "CONTINUE cards may hold long strings"))
    record = _record(calib, lsst, codes, exact, source_name or "")
    if clash:
        record["stamp_keys_in_text"] = clash
    if stamps is not None:
        for c in stamp_cards.primary_cards(stamps):
            primary.header.append(c)
    primary.header.append(fitsheader.card(TEXTFORM, json.dumps(record, separators=(",", ":"), allow_nan=True)))
    if stamps is not None and stamps.provenance is not None:
        primary.header.append(fitsheader.card(PROVENANCE, typedjson.dumps(stamps.provenance)))
    primary.header.append(("COMMENT", "Calibration tables and their metadata are in the extensions."))
    first = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fits.verify.VerifyWarning)
        # Every card was built (and verified) by fitsheader/astropy already; skip astropy's re-verification.
        fits.HDUList([primary, *hdus]).writeto(first, output_verify="ignore")
    when = stamps.date if stamps is not None else ""
    first.seek(0)
    out = io.BytesIO()
    with fits.open(first) as hdul:
        for hdu in hdul:
            hdu.add_checksum(when=when)
        hdul.writeto(out, output_verify="ignore")
    return out.getvalue()


def write(calib: Calibration, path: Path, stamps: Stamps | None = None) -> Path:
    """Write ``calib`` to ``path`` atomically (the format's writer).

    Raises
    ------
    ObscalError
        The calibration has no FITS form, or a metadata key or value cannot be a FITS card.
    """
    name = (calib.source.name or calib.source.path.name) if calib.source is not None else None
    return write_bytes(path, fits_bytes(calib, stamps, name))


# ------------------------------------------------------------------------------------------ reading


def _checked_record(text: str) -> dict:
    """The ``OBSCAL TEXTFORM`` record, checked against what obscal writes before anything of it is used.

    Raises
    ------
    ValueError
        Not JSON, nested too deep, or a field of the wrong kind (the message names the field).
    """
    where = TEXTFORM
    try:
        record = json.loads(text)
    except RecursionError:
        raise ValueError(f"{where}: nested deeper than {typedjson.MAX_DEPTH} levels") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{where}: not JSON ({exc.msg})") from None

    def need(ok: bool, field: str, what: str) -> None:
        if not ok:
            raise ValueError(f"{where}/{field}: {what}")

    strings = lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v)  # noqa: E731
    need(isinstance(record, dict), "", "not a JSON object")
    unknown = set(record) - _RECORD_FIELDS
    need(not unknown, sorted(unknown)[0] if unknown else "", "not a field of the record")
    need(record.get("version") == RECORD_VERSION, "version", f"not {RECORD_VERSION}")
    need(isinstance(record.get("type"), str), "type", "not a string")
    need(record.get("format") in ("ecsv", "yaml", "json"), "format", "not ecsv, yaml or json")
    need(isinstance(record.get("name", ""), str), "name", "not a string")
    codes = record.get("codes", {})
    need(isinstance(codes, dict) and all(isinstance(v, str) for v in codes.values()), "codes", "not a map of strings")
    need(all(v in ("json", "list") or (v.startswith("null:") and v[5:].isdigit()) for v in codes.values()),
         "codes", "holds an unknown code")  # fmt: skip
    columns = record.get("columns", [])
    flat = columns if record["format"] == "ecsv" else [c for t in columns if isinstance(t, list) for c in t]
    need(isinstance(columns, list), "columns", "not a list")
    for i, decl in enumerate(flat):
        need(isinstance(decl, dict) and isinstance(decl.get("name"), str), f"columns/{i}", "not a column declaration")
        need(decl.get("datatype") in DATATYPES, f"columns/{i}/datatype", "not an ECSV datatype")
        need(isinstance(decl.get("subtype", ""), str), f"columns/{i}/subtype", "not a string")
    need(strings(record.get("keys", [])), "keys", "not a list of strings")
    need(record.get("metadata_form", "mapping") in ("mapping", "propertylist"), "metadata_form", "unknown form")
    types = record.get("propertylist_types", {})
    need(isinstance(types, dict) and all(v in PROPERTYLIST_TYPES for v in types.values()),
         "propertylist_types", "not a map of PropertyList types")  # fmt: skip
    exact = record.get("exact", {})
    need(isinstance(exact, dict) and all(strings(v) for v in exact.values()), "exact", "not a map of string lists")
    need(strings(record.get("stamp_keys_in_text", [])), "stamp_keys_in_text", "not a list of strings")
    need(isinstance(record.get("ecsv_version", "1.0"), str), "ecsv_version", "not a string")
    return record


_RECORD_FIELDS = frozenset({
    "version", "type", "format", "name", "codes", "ecsv_version", "columns", "serialized_columns", "keys",
    "skeleton", "metadata_form", "propertylist_types", "exact", "stamp_keys_in_text",
})  # fmt: skip


@dataclass
class FitsContent:
    """What a FITS calibration file holds besides the calibration: its stamps and text-form record."""

    record: dict | None
    stamp_cards: dict
    history: list[str]
    primary: dict
    provenance: dict | None


def read(cls: type[Calibration], path: Path, dataset_type: str | None = None) -> Calibration:
    """Read a calibration from an LSST-layout FITS file (written by obscal or by other software).

    What the file held besides the calibration is in ``calib.source.fits`` (:class:`FitsContent`).

    Raises
    ------
    ObscalError
        Not a readable FITS file, damaged (checksum), or not in the LSST layout.
    """
    calib, _ = read_full(cls, path, dataset_type)
    return calib


def read_full(
    cls: type[Calibration], path: Path | io.BytesIO, dataset_type: str | None = None
) -> tuple[Calibration, FitsContent]:
    """Read a FITS calibration and what it holds besides (raises ``ObscalError`` as :func:`read`)."""
    name = path if isinstance(path, Path) else "<memory>"
    try:
        data = io.BytesIO(read_bytes(path, MAX_BYTES)) if isinstance(path, Path) else path
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            with fits.open(data, checksum=True, memmap=False) as hdul:
                return _read(cls, hdul, dataset_type, Path(str(name)))
    except ParseError as exc:
        raise ObscalError(f"{name}: {exc.message}") from None
    except OSError as exc:
        raise ObscalError(f"{name}: not a readable FITS file ({exc})") from None
    except UserWarning as exc:
        raise ObscalError(f"{name}: {exc} (the file was changed or damaged after it was written)") from None
    except ValueError as exc:  # a record that is not what obscal writes (checked before any use)
        raise ObscalError(f"{name}: {exc}") from None


def _read(
    cls: type[Calibration], hdul: fits.HDUList, dataset_type: str | None, hdul_path: Path
) -> tuple[Calibration, FitsContent]:
    primary = hdul[0].header
    tables_hdus = [h for h in hdul[1:] if isinstance(h, fits.BinTableHDU)]
    if not tables_hdus:
        raise ObscalError("no binary-table extension: not a calibration in the LSST FITS layout")
    record = _checked_record(primary[TEXTFORM]) if TEXTFORM in primary else None
    provenance = typedjson.loads(primary[PROVENANCE], PROVENANCE) if PROVENANCE in primary else None
    header = tables_hdus[0].header
    kept = set((record or {}).get("stamp_keys_in_text", ()))
    skip = {k for k in STAMP_KEYS if k not in kept} if record is not None else set()
    codes = record.get("codes", {}) if record is not None else None  # None: not written by obscal
    metadata = fitsheader.read_metadata(header, codes, skip)
    stamp_values = {k: header[k] for k in STAMP_KEYS if k in header} if record is not None else {}
    history = [str(v) for v in header.get("HISTORY", [])] if record is not None else []
    column_decls = (record or {}).get("columns")
    tables = []
    for t_index, hdu in enumerate(tables_hdus):
        if record is not None and record["format"] == "ecsv":
            decls = column_decls if t_index == 0 else None
        else:
            decls = column_decls[t_index] if column_decls and t_index < len(column_decls) else None
        cols = [
            _column_from_fits(hdu, i, decls[i] if decls and i < len(decls) else None) for i in range(len(hdu.columns))
        ]
        for key, cells in ((record or {}).get("exact") or {}).items():
            t, name = key.split("/", 1)
            if int(t) == t_index:
                for c in cols:
                    if c.name == name:
                        c.data = np.array(cells, dtype=str)
        tables.append(Table(cols, metadata))
    try:
        target, dataset_type = cls.dispatch(metadata, dataset_type or (record or {}).get("type"))
    except ParseError as exc:
        raise ObscalError(f"{exc.message} (OBSTYPE {metadata.get('OBSTYPE')!r})") from None
    if record is None:
        calib = target.from_lsst_tables(tables, metadata, dataset_type)
    elif record["format"] == "ecsv":
        table = tables[0]
        table.ecsv_version = record.get("ecsv_version", "1.0")
        if "serialized_columns" in record:
            table.serialized_columns = typedjson.decode(record["serialized_columns"], f"{TEXTFORM}/serialized_columns")
        calib = target(metadata, tables=[table], dataset_type=dataset_type)
    else:
        content = typedjson.decode(_restore(record["skeleton"], tables), f"{TEXTFORM}/skeleton")
        content = {k: (metadata if k == "metadata" else content[k]) for k in record["keys"]}
        calib = target(metadata, content=content, dataset_type=dataset_type)
    primary_cards = {c.keyword: c.value for c in primary.cards if c.keyword not in ("", "COMMENT", "HISTORY")}
    content_info = FitsContent(record, stamp_values, history, primary_cards, provenance)
    calib.source = Document(
        path=hdul_path,
        format=record["format"] if record else ("ecsv" if calib.tables() else "yaml"),
        metadata=calib.getMetadata(),
        tables=calib.tables(),
        content=calib._content,
        metadata_form=(record or {}).get("metadata_form", "mapping"),
        propertylist_types=(record or {}).get("propertylist_types") or {},
        name=record.get("name") if record else None,
        fits=content_info,
    )
    return calib, content_info
