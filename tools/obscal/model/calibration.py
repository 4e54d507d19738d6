"""The common base class of every calibration type.

A calibration is its metadata (an ordered mapping of header keywords) plus its values, held in the
form they were read in: ECSV tables, or the nested mapping of a YAML file. Keeping that form is what
makes text -> FITS -> text lossless; each type adds typed views and semantic checks on top.
The method names follow ``lsst.ip.isr.IsrCalib`` so that code written against it reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from obscal.model import formats, registry
from obscal.model.document import Document
from obscal.model.problems import ObscalError, ParseError
from obscal.model.table import Column, Table

if TYPE_CHECKING:
    from obscal.model.stamps import Stamps
    from obscal.validation.checks import CheckContext


@dataclass
class LsstTables:
    """A calibration's tables in the LSST FITS layout, and where YAML arrays went in them.

    ``refs`` maps a path into the YAML content (tuple of keys) to ``(table index, column, row)``:
    the cell holding that array, so the YAML shape can point at it instead of repeating it.
    """

    tables: list[Table]
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
        tables: list[Table] | None = None,
        content: dict | None = None,
        dataset_type: str | None = None,
    ) -> None:
        self._metadata: dict = dict(metadata or {})
        self._tables: list[Table] = tables or []
        self._content: dict | None = content
        self.dataset_type = dataset_type or (self.dataset_types[0] if self.dataset_types else "")
        #: Where the calibration was read from, and what its format needs to write it the same way again.
        self.source: Document | None = None

    # ------------------------------------------------------------------ per-dataset-type variations

    @classmethod
    def expected_obstype(cls, dataset_type: str) -> str:
        """``OBSTYPE`` as the LSST class writes it for ``dataset_type``."""
        return cls.OBSTYPE

    @classmethod
    def schema_prefix(cls, dataset_type: str) -> str:
        """Prefix of the ``_SCHEMA``/``_VERSION`` keywords (the class OBSTYPE, as LSST writes it)."""
        return cls.OBSTYPE

    @classmethod
    def dimensions_of(cls, dataset_type: str) -> tuple[str, ...]:
        """The dimensions of ``dataset_type`` beyond the instrument."""
        return cls.dimensions

    @classmethod
    def calibcls_for(cls, dataset_type: str) -> tuple[str, ...]:
        """Accepted ``CALIBCLS`` values for ``dataset_type`` (the first is the one written)."""
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

    @classmethod
    def upgrade_layout(cls, metadata: dict, version: str) -> tuple[dict, str, str] | None:
        """An exact move of a legacy layout to the current schema version, when the type has one.

        Returns the new metadata, the new version and what was done in words; None when ``version``
        needs no move (or no exact one exists). The values are never touched.
        """
        return None

    def describe_changes(self, old: Calibration) -> list[str]:
        """How the values changed from ``old`` (an earlier version of this calibration), in words."""
        from obscal.model.changes import array_changes, table_changes

        lines: list[str] = []
        for i, (a, b) in enumerate(zip(old.tables(), self.tables(), strict=False)):
            lines += [(f"table {i}: " if len(self.tables()) > 1 else "") + s for s in table_changes(a, b)]
        if self._content is not None and old._content is not None:
            for key, value in self._content.items():
                if key == "metadata" or key not in old._content:
                    continue
                try:
                    lines += array_changes(key, old._content[key], value)
                except (TypeError, ValueError):
                    if repr(old._content[key]) != repr(value):
                        lines.append(f"{key}: changed")
        return lines

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
        doc = formats.read_document(Path(path))
        target, name = cls.dispatch(doc.metadata, dataset_type, doc.path)
        return target.from_document(doc, name)

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
    def from_document(cls, doc: Document, dataset_type: str) -> Calibration:
        """The calibration a reader's document holds, keeping the document as its source record."""
        calib = cls(doc.metadata, tables=doc.tables, content=doc.content, dataset_type=dataset_type)
        calib.source = doc
        return calib

    def toText(self, fmt: str | None = None) -> str:  # noqa: N802
        """The text form: ECSV for tables, YAML for nested data (or the text format named by ``fmt``).

        Raises
        ------
        KeyError
            ``fmt`` is not a text format.
        ValueError
            The calibration cannot be written in that format (e.g. several tables as ECSV).
        """
        name = fmt or ("ecsv" if self._tables else "yaml")
        chosen = formats.by_name(name)
        if not chosen.text:
            raise KeyError(f"{name} is not a text format")
        return chosen.implementation().dump(self)

    def writeText(self, path: str | Path) -> Path:  # noqa: N802
        """Write the text form (format chosen by the file name) atomically.

        Raises
        ------
        ObscalError
            The name is not a text calibration file name.
        ValueError
            The calibration cannot be written in that format (several tables as ECSV).
        """
        path = Path(path)
        fmt = formats.for_path(path)
        if fmt is None or not fmt.text:
            raise ObscalError(f"{path}: not a text calibration file name (.ecsv, .yaml or .json)")
        return formats.write_text(path, self.toText(fmt.name))

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
                Column(
                    name=d["name"],
                    datatype=d["datatype"],
                    data=_fromlist(dictionary["data"][d["name"]], d),
                    unit=d.get("unit"),
                    description=d.get("description"),
                    subtype=d.get("subtype"),
                )
                for d in dictionary["columns"]
            ]
            return cls(metadata, tables=[Table(columns, metadata)], dataset_type=dataset_type)
        content = dict(dictionary)
        content["metadata"] = metadata
        return cls(metadata, content=content, dataset_type=dataset_type)

    def tables(self) -> list[Table]:
        """The tables in obscal's own light form (no astropy needed)."""
        return self._tables

    def toTable(self) -> list:  # noqa: N802
        """The tables as ``astropy.table.Table`` objects, metadata in each table's ``meta``."""
        return [formats.astropy_bridge().to_astropy(t, self._metadata) for t in self._tables]

    @classmethod
    def fromTable(cls, tables: list, dataset_type: str | None = None) -> Calibration:  # noqa: N802
        """Build from ``astropy.table.Table`` objects (metadata taken from the first)."""
        ours = [formats.astropy_bridge().from_astropy(t) for t in tables]
        metadata = dict(ours[0].meta) if ours else {}
        return cls(metadata, tables=ours, dataset_type=dataset_type)

    # ------------------------------------------------------------------ FITS I/O

    def lsst_tables(self) -> LsstTables:
        """The tables of the LSST FITS layout. Types kept as YAML override this to build them.

        Raises
        ------
        ObscalError
            The type has no FITS form (the camera), or a YAML-form calibration has no table layout.
        """
        if not self.has_fits_form:
            raise ObscalError(f"{self.dataset_type} has no FITS form in the LSST layout")
        if not self._tables:
            raise ObscalError(f"{self.dataset_type} in YAML form has no table layout")
        return LsstTables(list(self._tables))

    @classmethod
    def from_lsst_tables(cls, tables: list[Table], metadata: dict, dataset_type: str) -> Calibration:
        """Build from the LSST-layout tables of a FITS file written by other software.

        Raises
        ------
        ObscalError
            The number of tables is not what the type's layout has.
        """
        if len(tables) != 1:
            raise ObscalError(f"a {dataset_type} FITS file has one table, this one has {len(tables)}")
        return cls(metadata, tables=tables, dataset_type=dataset_type)

    def writeFits(self, path: str | Path, stamps: Stamps | None = None) -> Path:  # noqa: N802
        """Write the LSST FITS layout (empty primary HDU, one binary table per table), atomically."""
        return formats.by_name("fits").implementation().write(self, Path(path), stamps)

    @classmethod
    def readFits(cls, path: str | Path, dataset_type: str | None = None) -> Calibration:  # noqa: N802
        """Read a calibration written in the LSST FITS layout (by obscal or by other software).

        Raises
        ------
        ObscalError
            Not a readable FITS file, damaged (checksum), or not in the LSST layout.
        """
        return formats.by_name("fits").implementation().read(cls, Path(path), dataset_type)

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
