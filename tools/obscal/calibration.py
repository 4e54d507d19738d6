"""The common base class of every calibration type.

A calibration is its metadata (an ordered mapping of header keywords) plus its values, held in the
form they were read in: ECSV tables, or the nested mapping of a YAML file. Keeping that form is what
makes text -> FITS -> text lossless; each type adds typed views and semantic checks on top.
The method names follow ``lsst.ip.isr.IsrCalib`` so that code written against it reads the same.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from . import ecsv, registry
from .problems import ParseError
from .textio import Document, dump_yaml, read_document, to_propertylist, write_atomic

if TYPE_CHECKING:
    from .checks import CheckContext
    from .stamps import Stamps


@dataclass
class LsstTables:
    """A calibration's tables in the LSST FITS layout, and where YAML arrays went in them.

    ``refs`` maps a path into the YAML content (tuple of keys) to ``(table index, column, row)``:
    the cell holding that array, so the YAML shape can point at it instead of repeating it.
    """

    tables: list[ecsv.Table]
    refs: dict[tuple, tuple[int, str, int]] = field(default_factory=dict)


class Calibration:
    """Base class: metadata access, text and FITS I/O, dict and table conversion."""

    #: Dataset types (data-package directory names) this class handles; setting it registers the class.
    dataset_types: ClassVar[tuple[str, ...]] = ()
    #: ``OBSTYPE`` as the LSST class writes it (case matters for some LSST readers).
    OBSTYPE: ClassVar[str] = ""
    #: Value of ``<prefix>_SCHEMA`` and the current ``<prefix>_VERSION``.
    SCHEMA: ClassVar[str] = ""
    VERSION: ClassVar[str] = "1.0"
    #: Version assumed (in the compat profile) for files that carry no version keyword.
    LEGACY_VERSION: ClassVar[str | None] = None
    #: Dimensions beyond the instrument: ``detector`` and/or ``physical_filter``.
    dimensions: ClassVar[tuple[str, ...]] = ()
    #: Accepted ``CALIBCLS`` values; the first is the one written.
    CALIBCLS: ClassVar[tuple[str, ...]] = ()
    #: The LSST reader needs ``CALIBCLS`` (it has no storage-class type to fall back on).
    calibcls_required: ClassVar[bool] = False
    #: The LSST reader compares ``OBSTYPE`` case-sensitively.
    obstype_case_sensitive: ClassVar[bool] = False
    #: ``FILTER: ''`` is harmless (the LSST reader turns it into None) for this type.
    empty_filter_ok: ClassVar[bool] = True
    #: Text form written by default: ``ecsv`` or ``yaml``.
    default_format: ClassVar[str] = "ecsv"
    #: Directory of this type's schemas under ``schemas/``.
    schema_family: ClassVar[str] = ""
    #: Whether the type has a FITS form in the LSST layout (the camera description has none).
    has_fits_form: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("dataset_types"):
            if not cls.__dict__.get("schema_family"):
                cls.schema_family = cls.dataset_types[0]
            registry.register(cls)

    def __init__(
        self,
        metadata: dict | None = None,
        tables: list[ecsv.Table] | None = None,
        content: dict | None = None,
        dataset_type: str | None = None,
    ) -> None:
        self._metadata: dict = dict(metadata or {})
        self._tables: list[ecsv.Table] = tables or []
        self._content: dict | None = content
        self.dataset_type = dataset_type or (self.dataset_types[0] if self.dataset_types else "")
        self.document: Document | None = None
        #: Set by :meth:`readFits`: the text format/file name recorded in the FITS file, and its stamps.
        self.text_format: str | None = None
        self.text_name: str | None = None
        self.propertylist_types: dict | None = None
        self.fits_content: Any = None

    # ------------------------------------------------------------------ per-dataset-type variations

    @classmethod
    def expected_obstype(cls, dataset_type: str) -> str:
        return cls.OBSTYPE

    @classmethod
    def schema_prefix(cls, dataset_type: str) -> str:
        """Prefix of the ``_SCHEMA``/``_VERSION`` keywords (the class OBSTYPE, as LSST writes it)."""
        return cls.OBSTYPE

    @classmethod
    def dimensions_of(cls, dataset_type: str) -> tuple[str, ...]:
        return cls.dimensions

    @classmethod
    def calibcls_for(cls, dataset_type: str) -> tuple[str, ...]:
        return cls.CALIBCLS

    # ------------------------------------------------------------------ metadata

    def getMetadata(self) -> dict:  # noqa: N802 - LSST naming
        """The metadata mapping (live: changes are kept)."""
        return self._metadata

    def setMetadata(self, metadata: dict) -> None:  # noqa: N802
        """Replace the metadata by a copy of ``metadata``, keeping its order."""
        self._metadata = dict(metadata)
        for table in self._tables:
            table.meta = self._metadata
        if self._content is not None:
            self._content["metadata"] = self._metadata

    def updateMetadata(self, **keys: Any) -> None:  # noqa: N802
        """Set some keywords (added at the end when new)."""
        self._metadata.update(keys)

    def stampStandardKeys(self) -> None:  # noqa: N802
        """Set ``OBSTYPE``, ``<prefix>_SCHEMA``, ``<prefix>_VERSION`` and ``CALIBCLS`` to this class's values."""
        prefix = self.schema_prefix(self.dataset_type)
        md = self._metadata
        md["OBSTYPE"] = self.expected_obstype(self.dataset_type)
        md[f"{prefix}_SCHEMA"] = self.SCHEMA
        md[f"{prefix}_VERSION"] = float(self.VERSION)
        if self.calibcls_for(self.dataset_type):
            md["CALIBCLS"] = self.calibcls_for(self.dataset_type)[0]

    @property
    def version(self) -> str | None:
        """The schema version the metadata declares (``"2.0"``), or None."""
        value = self._metadata.get(f"{self.schema_prefix(self.dataset_type)}_VERSION")
        if value is None:
            return None
        try:
            return str(float(value))
        except (TypeError, ValueError):
            return str(value)

    # ------------------------------------------------------------------ text I/O

    @classmethod
    def readText(cls, path: str | Path, dataset_type: str | None = None) -> Calibration:  # noqa: N802
        """Read an ECSV/YAML/JSON calibration; on the base class, return the right subclass."""
        path = Path(path)
        doc = read_document(path)
        target, name = cls.dispatch(doc.metadata, dataset_type, doc.path)
        return target.fromDocument(doc, name)

    @classmethod
    def dispatch(
        cls, metadata: dict, dataset_type: str | None = None, path: Path | None = None
    ) -> tuple[type[Calibration], str]:
        """The class and dataset type for a calibration with this metadata (and path, as a last resort).

        Raises :class:`ParseError` when neither ``OBSTYPE``, ``CALIBCLS`` nor the path tells.
        """
        types = registry.load_types()
        if dataset_type:
            if dataset_type not in types:
                raise ParseError(f"unknown calibration type {dataset_type!r}")
            return types[dataset_type], dataset_type
        if cls is not Calibration and cls.dataset_types:
            obstype = str(metadata.get("OBSTYPE", "")).lower()
            for name in cls.dataset_types:
                if cls.expected_obstype(name).lower() == obstype:
                    return cls, name
            return cls, cls.dataset_types[0]
        calibcls = metadata.get("CALIBCLS")
        obstype = metadata.get("OBSTYPE")
        matches = registry.for_obstype(str(obstype)) if obstype else []
        if calibcls and not matches:
            matches = registry.for_calibcls(str(calibcls))
        if not matches:
            for part in reversed(path.parts[:-1] if path else ()):
                if part in types:
                    return types[part], part
            raise ParseError(
                "cannot tell the calibration type: no known OBSTYPE or CALIBCLS, and no type directory in the path"
            )
        name, target = matches[0]
        return target, name

    @classmethod
    def fromDocument(cls, doc: Document, dataset_type: str) -> Calibration:  # noqa: N802
        calib = cls(doc.metadata, tables=doc.tables, content=doc.content, dataset_type=dataset_type)
        calib.document = doc
        return calib

    def toText(self, fmt: str | None = None) -> str:  # noqa: N802
        """The text form: ECSV for tables, YAML for nested data."""
        fmt = fmt or ("ecsv" if self._tables else "yaml")
        if fmt == "ecsv":
            if len(self._tables) != 1:
                raise ValueError(f"{type(self).__name__} with {len(self._tables)} tables cannot be written as ECSV")
            table = copy.copy(self._tables[0])
            table.meta = self._metadata
            return ecsv.write(table)
        content = dict(self.toDict())
        if self.document is not None and self.document.metadata_form == "propertylist":
            content["metadata"] = to_propertylist(self._metadata, self.document.propertylist_types)
        elif self.propertylist_types is not None:
            content["metadata"] = to_propertylist(self._metadata, self.propertylist_types)
        if fmt == "json":
            from . import typedjson

            return json.dumps(typedjson.encode(content), indent=2, allow_nan=True) + "\n"
        return dump_yaml(content)

    def writeText(self, path: str | Path) -> Path:  # noqa: N802
        """Write the text form (chosen by the file extension) atomically."""
        path = Path(path)
        fmt = {".ecsv": "ecsv", ".json": "json"}.get(path.suffix, "yaml")
        write_atomic(path, self.toText(fmt))
        return path

    # ------------------------------------------------------------------ dict and table forms

    def toDict(self) -> dict:  # noqa: N802
        """The nested-mapping form (what a YAML file holds), ``metadata`` included."""
        if self._content is not None:
            out = dict(self._content)
            out["metadata"] = self._metadata
            return out
        table = self._tables[0]
        return {
            "metadata": self._metadata,
            "columns": [col.declaration() for col in table.columns],
            "data": {col.name: _tolist(col.data) for col in table.columns},
        }

    @classmethod
    def fromDict(cls, dictionary: dict, dataset_type: str | None = None) -> Calibration:  # noqa: N802
        """Build from the nested-mapping form returned by :meth:`toDict`."""
        metadata = dict(dictionary.get("metadata") or {})
        if "columns" in dictionary and "data" in dictionary:
            columns = [
                ecsv.Column(
                    name=d["name"],
                    datatype=d["datatype"],
                    data=_fromlist(dictionary["data"][d["name"]], d),
                    unit=d.get("unit"),
                    description=d.get("description"),
                    subtype=d.get("subtype"),
                )
                for d in dictionary["columns"]
            ]
            return cls(metadata, tables=[ecsv.Table(columns, metadata)], dataset_type=dataset_type)
        content = dict(dictionary)
        content["metadata"] = metadata
        return cls(metadata, content=content, dataset_type=dataset_type)

    def tables(self) -> list[ecsv.Table]:
        """The tables in obscal's own light form (no astropy needed)."""
        return self._tables

    def toTable(self) -> list:  # noqa: N802
        """The tables as ``astropy.table.Table`` objects, metadata in each table's ``meta``."""
        from .astropy_tables import to_astropy

        return [to_astropy(t, self._metadata) for t in self._tables]

    @classmethod
    def fromTable(cls, tables: list, dataset_type: str | None = None) -> Calibration:  # noqa: N802
        """Build from ``astropy.table.Table`` objects (metadata taken from the first)."""
        from .astropy_tables import from_astropy

        ours = [from_astropy(t) for t in tables]
        metadata = dict(ours[0].meta) if ours else {}
        return cls(metadata, tables=ours, dataset_type=dataset_type)

    # ------------------------------------------------------------------ FITS I/O

    def lsstTables(self) -> LsstTables:  # noqa: N802
        """The tables of the LSST FITS layout. Types kept as YAML override this to build them."""
        from .problems import ObscalError

        if not self.has_fits_form:
            raise ObscalError(f"{self.dataset_type} has no FITS form in the LSST layout")
        if not self._tables:
            raise ObscalError(f"{self.dataset_type} in YAML form has no table layout")
        return LsstTables(list(self._tables))

    @classmethod
    def fromLsstTables(cls, tables: list[ecsv.Table], metadata: dict, dataset_type: str) -> Calibration:  # noqa: N802
        """Build from the LSST-layout tables of a FITS file written by other software."""
        from .problems import ObscalError

        if len(tables) != 1:
            raise ObscalError(f"a {dataset_type} FITS file has one table, this one has {len(tables)}")
        return cls(metadata, tables=tables, dataset_type=dataset_type)

    def writeFits(self, path: str | Path, stamps: Stamps | None = None) -> Path:  # noqa: N802
        """Write the LSST FITS layout (empty primary HDU, one binary table per table), atomically."""
        from .fitsio import write_fits

        return write_fits(self, Path(path), stamps)

    @classmethod
    def readFits(cls, path: str | Path, dataset_type: str | None = None) -> Calibration:  # noqa: N802
        """Read a calibration written in the LSST FITS layout."""
        from .fitsio import read_fits

        return read_fits(cls, Path(path), dataset_type)

    # ------------------------------------------------------------------ checks

    def check(self, ctx: CheckContext) -> None:
        """Type-specific semantic checks (overridden by each type)."""

    def __repr__(self) -> str:
        md = self._metadata
        return f"<{type(self).__name__} {self.dataset_type} {md.get('INSTRUME')} det={md.get('DETECTOR')}>"


def _tolist(data: Any) -> Any:
    if isinstance(data, list):
        return [d.tolist() if hasattr(d, "tolist") else d for d in data]
    return data.tolist()


def _fromlist(values: list, decl: dict) -> Any:
    import numpy as np

    if decl.get("subtype"):
        base = decl["subtype"].split("[")[0]
        return [np.array(v, dtype=np.bool_ if base == "bool" else base) for v in values]
    dtype = str if decl["datatype"] == "string" else decl["datatype"]
    return np.array(values, dtype=dtype)
