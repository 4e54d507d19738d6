"""Ingest a bundle (:mod:`obscal.ops.export`) into an LSST data butler, safely and repeatably.

A plain ``butler import`` is unsafe for this (a second import deletes datastore files, repeated timespans
overwrite, a CHAINED entry replaces the chain's children, an import cannot decertify). :func:`ingest`
instead

1. checks the bundle against its ``SHA256SUMS``;
2. reads what the repository holds: dimension records (a conflicting field refuses the whole ingest),
   datasets by id (only missing ones are imported), the RUNs (one holding another dataset for the same
   data id refuses) and the CALIBRATION collection's certifications;
3. imports the missing datasets (files copied into the datastore), then in one registry transaction
   decertifies what the bundle no longer certifies and certifies what is missing, so that each
   instrument's CALIBRATION collection equals the bundle, and prepends that collection to
   ``<instrument>/calib`` keeping the chain's other children.

Re-ingesting the same bundle changes nothing. :func:`butler_answer` asks a repository which dataset it
returns at an instant and reads that file back with obscal's own FITS reader (no LSST pipelines needed).
Needs the optional extra ``obscal[butler]``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import types
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from obscal.model.problems import ObscalError
from obscal.ops.export import FORMATTER


@dataclass
class IngestPlan:
    """What an ingest does (or, with ``dry_run``, would do)."""

    create: str | None = None
    dimensions: list[str] = field(default_factory=list)
    imports: list[dict] = field(default_factory=list)
    reused: int = 0
    certify: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    decertify: list[tuple[str, str, str | None, str]] = field(default_factory=list)
    chains: list[str] = field(default_factory=list)
    #: After the ingest: per instrument and dataset type, how many intervals the CALIBRATION collection certifies.
    certified: dict[str, dict[str, int]] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def nothing_to_do(self) -> bool:
        """Whether the repository already holds exactly this bundle."""
        return not (self.create or self.dimensions or self.imports or self.certify or self.decertify or self.chains)

    def as_dict(self) -> dict:
        """Plain data (JSON output)."""
        return {
            "create": self.create,
            "dimension_records": self.dimensions,
            "imports": [r["dataset_id"] for r in self.imports],
            "reused": self.reused,
            "certify": [list(c) for c in self.certify],
            "decertify": [list(d) for d in self.decertify],
            "chains": self.chains,
            "certified": self.certified,
            "conflicts": self.conflicts,
            "notes": self.notes,
            "nothing_to_do": self.nothing_to_do,
        }


def load_bundle(bundle: Path) -> dict:
    """The bundle's manifest, after checking every file against ``SHA256SUMS``.

    Raises
    ------
    ObscalError
        Not a bundle, or a file is missing or differs from its checksum.
    """
    manifest, sums = bundle / "manifest.json", bundle / "SHA256SUMS"
    if not manifest.is_file() or not sums.is_file():
        raise ObscalError(f"{bundle} is not an obscal bundle (no manifest.json / SHA256SUMS): run obscal export")
    bad = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, rel = line.partition("  ")
        path = bundle / rel
        if ".." in Path(rel).parts or not path.is_file():
            bad.append(f"{rel}: missing")
        elif hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            bad.append(f"{rel}: differs from SHA256SUMS")
    if bad:
        raise ObscalError(f"the bundle {bundle} is damaged: {'; '.join(bad[:5])}")
    doc = json.loads(manifest.read_text(encoding="utf-8"))
    if doc.get("format") != "obscal bundle 1":
        raise ObscalError(f"{manifest}: unknown bundle format {doc.get('format')!r}")
    return doc


def _butler():
    """The daf_butler module, with the LSST formatter importable (a stand-in when obs_base is absent)."""
    try:
        import lsst.daf.butler as dafbutler
    except ImportError:
        raise ObscalError("ingest needs lsst-daf-butler: pip install 'obscal[butler]' (PyPI lsst-daf-butler)") from None
    return dafbutler


def _formatter_note(dafbutler) -> str | None:
    """Make the LSST formatter class importable in this process; say so when it is a stand-in."""
    module = FORMATTER.rpartition(".")[0]
    try:
        __import__(module)
        return None
    except ImportError:
        pass

    class FitsGenericFormatter(dafbutler.FormatterV2):
        """Stand-in of obs_base's formatter for this process only: lets the datastore record the real name."""

        default_extension = ".fits"
        supported_extensions = frozenset({".fits", ".fits.gz", ".fits.fz", ".fz"})
        can_read_from_local_file = True

        def read_from_local_file(self, path, component=None, expected_size=-1):
            raise NotImplementedError("reading needs lsst.obs.base; obscal reads the file via getURI")

    parts = module.split(".")
    for i in range(2, len(parts) + 1):
        sub = ".".join(parts[:i])
        if sub not in sys.modules:
            mod = types.ModuleType(sub)
            mod.__path__ = []  # a package, so that the next level imports
            sys.modules[sub] = mod
    FitsGenericFormatter.__module__ = module
    sys.modules[module].FitsGenericFormatter = FitsGenericFormatter  # type: ignore[attr-defined]
    return (
        f"lsst.obs.base is not installed: a stand-in of {FORMATTER} was provided for this process only; "
        "the repository records the real class, which a full LSST stack uses to read the files"
    )


def _timespan(dafbutler, begin: str, end: str | None):
    from astropy.time import Time

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dafbutler.Timespan(
            Time(begin, scale="tai", format="iso"), Time(end, scale="tai", format="iso") if end else None
        )


def _key(ts) -> tuple[str, str | None]:
    """A butler timespan as the bundle writes it (TAI ISO, nanoseconds)."""

    def iso(t):
        if t is None:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            t = t.tai
            t.precision = 9
            return t.iso

    return iso(ts.begin), iso(ts.end)


def _data_id(row: dict, dims: list[str]) -> dict:
    data_id: dict = {"instrument": row["instrument"]}
    if "detector" in dims:
        data_id["detector"] = row["detector"]
    if "physical_filter" in dims:
        data_id["physical_filter"] = row["physical_filter"]
    return data_id


def ingest(
    bundle: str | Path,
    repo: str | Path,
    *,
    create: bool = False,
    registry: str | None = None,
    namespace: str | None = None,
    dry_run: bool = False,
) -> IngestPlan:
    """Bring the butler repository ``repo`` to the state of ``bundle``; return what was (or would be) done.

    Parameters
    ----------
    bundle
        A directory written by ``obscal export``.
    repo
        The butler repository (a directory, or its ``butler.yaml``).
    create
        Make the repository first when it does not exist: SQLite by default, or the PostgreSQL registry
        ``registry``.
    registry
        With ``create``: the registry database URL (``postgresql://user@host:port/db``); the database
        needs the ``btree_gist`` extension.
    namespace
        With ``create`` and ``registry``: the schema of the registry's tables.
    dry_run
        Work out the plan, change nothing.

    Returns
    -------
    IngestPlan
        What was done; ``conflicts`` not empty means nothing was written.

    Raises
    ------
    ObscalError
        The bundle is damaged, lsst-daf-butler is missing, the repository does not exist (without
        ``create``), or the butler refuses an operation.
    """
    bundle, repo = Path(bundle), Path(repo)
    doc = load_bundle(bundle)
    dafbutler = _butler()
    plan = IngestPlan()
    note = _formatter_note(dafbutler)
    if note:
        plan.notes.append(note)
    exists = (repo / "butler.yaml").is_file() or repo.is_file()  # a directory, or its butler.yaml
    if create and exists:
        plan.notes.append(f"{repo} exists: --create leaves it as it is and ingests into it")
        create = False
    if not create and not exists:
        raise ObscalError(f"no butler repository at {repo} (give --create to make one)")
    if registry and not create and not exists:
        raise ObscalError("--registry goes with --create (an existing repository knows its registry)")

    butler = None
    if create:
        plan.create = f"{repo} ({'PostgreSQL ' + registry if registry else 'SQLite'})"
        if not dry_run:
            seed = None
            if registry:
                seed = dafbutler.Config(
                    {"registry": {"db": registry, **({"namespace": namespace} if namespace else {})}}
                )
            try:
                dafbutler.Butler.makeRepo(str(repo), config=seed)
            except Exception as exc:
                raise ObscalError(f"cannot create the repository at {repo}: {type(exc).__name__}: {exc}") from None
    if exists or (create and not dry_run):
        butler = dafbutler.Butler.from_config(str(repo), writeable=not dry_run)

    rows = doc["rows"]
    types_ = doc["dataset_types"]
    _plan_dimensions(butler, doc, plan)
    _plan_datasets(butler, rows, types_, plan)
    _plan_certifications(butler, doc, plan)
    if plan.conflicts or dry_run:
        return plan
    if not plan.nothing_to_do:
        try:
            _apply(butler, dafbutler, bundle, doc, plan)
        except ObscalError:
            raise
        except Exception as exc:  # the butler refused something the plan did not foresee
            raise ObscalError(
                f"{repo}: the butler refused the ingest: {type(exc).__name__}: {exc}. Certifications change in one "
                "transaction, so none of them was made; datasets already imported stay and are reused when you "
                "ingest again"
            ) from None
    _count(butler, doc, plan)
    return plan


def _count(butler, doc: dict, plan: IngestPlan) -> None:
    from obscal.ops.export import calibration_collection

    for inst in sorted(doc["dimensions"]):
        counts = {}
        for dataset_type in _calibration_types(butler):
            n = sum(
                1
                for _ in butler.registry.queryDatasetAssociations(
                    dataset_type, collections=[calibration_collection(inst)]
                )
            )
            if n:
                counts[dataset_type] = n
        plan.certified[inst] = counts


# ------------------------------------------------------------------------------------------ planning


def _plan_dimensions(butler, doc: dict, plan: IngestPlan) -> None:
    for inst, elements in sorted(doc["dimensions"].items()):
        for element in ("instrument", "detector", "physical_filter"):
            key = "name" if element != "detector" else "id"
            held = {}
            if butler is not None:
                try:
                    where = {} if element == "instrument" else {"instrument": inst}
                    held = {
                        getattr(r, key if element != "instrument" else "name"): r
                        for r in butler.registry.queryDimensionRecords(element, **where)
                    }
                except Exception:
                    held = {}
            for record in elements[element]:
                ident = record["name"] if element != "detector" else record["id"]
                old = held.get(ident)
                if old is None:
                    plan.dimensions.append(f"{element} {inst}/{ident}")
                    continue
                for fieldname, value in record.items():
                    have = getattr(old, fieldname, None)
                    if fieldname in ("instrument",):
                        continue
                    if have != value and not (have in (None, "") and value in (None, "")):
                        plan.conflicts.append(
                            f"{element} {ident!r} of {inst}: the repository has {fieldname}={have!r}, "
                            f"the bundle {fieldname}={value!r} (a butler keeps one record; fix the camera "
                            "description or use another repository)"
                        )


def _plan_datasets(butler, rows: list[dict], types_: dict, plan: IngestPlan) -> None:
    held: dict[str, str] = {}  # dataset id -> dataset type, of the bundle's types and instruments
    runs: dict[tuple[str, str], set[str]] = {}  # (type, run) -> JSON data ids held there
    if butler is not None:
        known = {t.name for t in butler.registry.queryDatasetTypes()}
        for dataset_type in sorted({r["dataset_type"] for r in rows} & known):
            for inst in sorted({r["instrument"] for r in rows}):
                try:
                    found = butler.registry.queryDatasets(
                        dataset_type, collections="*", instrument=inst, findFirst=False
                    )
                    refs = list(found)
                except Exception:  # an unknown instrument: nothing held
                    refs = []
                for ref in refs:
                    held[str(ref.id)] = dataset_type
                    data_id = {k: ref.dataId[k] for k in types_[dataset_type]["dimensions"]}
                    runs.setdefault((dataset_type, ref.run), set()).add(json.dumps(data_id, sort_keys=True))
    seen: set[str] = set()
    for row in rows:
        if row["dataset_id"] in seen:
            continue
        seen.add(row["dataset_id"])
        dims = types_[row["dataset_type"]]["dimensions"]
        if row["dataset_id"] in held:
            plan.reused += 1
            if held[row["dataset_id"]] != row["dataset_type"]:
                plan.conflicts.append(f"dataset {row['dataset_id']} is a {held[row['dataset_id']]} in the repository")
            continue
        if json.dumps(_data_id(row, dims), sort_keys=True) in runs.get((row["dataset_type"], row["run"]), set()):
            plan.conflicts.append(
                f"RUN {row['run']} already holds another {row['dataset_type']} for {_data_id(row, dims)}: "
                "export with another --label"
            )
            continue
        plan.imports.append(row)


def _plan_certifications(butler, doc: dict, plan: IngestPlan) -> None:
    from obscal.ops.export import calibration_collection, chain_collection

    for inst in sorted(doc["dimensions"]):
        calib, chain = calibration_collection(inst), chain_collection(inst)
        wanted = {
            (r["dataset_type"], r["dataset_id"], r["valid_start_tai"], r["valid_end_tai"])
            for r in doc["rows"]
            if r["instrument"] == inst
        }
        held: set[tuple] = set()
        if butler is not None and _collection_exists(butler, calib):
            for dataset_type in _calibration_types(butler):
                for assoc in butler.registry.queryDatasetAssociations(dataset_type, collections=[calib]):
                    begin, end = _key(assoc.timespan)
                    held.add((dataset_type, str(assoc.ref.id), begin, end))
        plan.decertify += sorted(held - wanted, key=str)
        plan.certify += sorted(wanted - held, key=str)
        children = []
        if butler is not None and _collection_exists(butler, chain):
            children = list(butler.registry.getCollectionChain(chain))
        if calib not in children:
            plan.chains.append(f"{chain}: prepend {calib} (children now: {', '.join(children) or 'none'})")


def _collection_exists(butler, name: str) -> bool:
    try:
        butler.registry.getCollectionType(name)
    except Exception:
        return False
    return True


def _calibration_types(butler) -> list[str]:
    from obscal.ops.export import DATASET_TYPES

    out = []
    for dataset_type in butler.registry.queryDatasetTypes():
        if dataset_type.name in DATASET_TYPES and dataset_type.isCalibration():
            out.append(dataset_type.name)
    return sorted(out)


# ------------------------------------------------------------------------------------------ applying


def _apply(butler, dafbutler, bundle: Path, doc: dict, plan: IngestPlan) -> None:
    from obscal.ops.export import calibration_collection, chain_collection

    registry = butler.registry
    universe = registry.dimensions
    types_ = {}
    for name, spec in doc["dataset_types"].items():
        dataset_type = dafbutler.DatasetType(
            name, spec["dimensions"], spec["storage_class"], universe=universe, isCalibration=True
        )
        try:
            registry.registerDatasetType(dataset_type)
        except Exception as exc:
            raise ObscalError(f"dataset type {name}: the repository refuses it: {exc}") from None
        types_[name] = dataset_type
    for _inst, elements in sorted(doc["dimensions"].items()):
        for element in ("instrument", "detector", "physical_filter"):
            if elements[element]:
                registry.insertDimensionData(element, *elements[element], skip_existing=True)
    refs = {}
    for row in plan.imports:
        dims = doc["dataset_types"][row["dataset_type"]]["dimensions"]
        registry.registerRun(row["run"])
        refs[row["dataset_id"]] = dafbutler.DatasetRef(
            types_[row["dataset_type"]], _data_id(row, dims), run=row["run"], id=uuid.UUID(row["dataset_id"])
        )
    if plan.imports:
        files = [
            dafbutler.FileDataset(path=str((bundle / row["path"]).resolve()), refs=[refs[row["dataset_id"]]],
                                  formatter=FORMATTER)
            for row in plan.imports
        ]  # fmt: skip
        butler.ingest(*files, transfer="copy")
    with registry.transaction():
        for inst in sorted(doc["dimensions"]):
            calib, chain = calibration_collection(inst), chain_collection(inst)
            registry.registerCollection(calib, dafbutler.CollectionType.CALIBRATION)
            for dataset_type, dataset_id, begin, end in plan.decertify:
                held = registry.getDataset(uuid.UUID(dataset_id))
                if held is None or held.dataId["instrument"] != inst:
                    continue
                registry.decertify(calib, dataset_type, _timespan(dafbutler, begin, end), dataIds=[held.dataId])
            by_span: dict[tuple, list] = {}
            for dataset_type, dataset_id, begin, end in plan.certify:
                ref = refs.get(dataset_id) or registry.getDataset(uuid.UUID(dataset_id))
                if ref.dataId["instrument"] == inst:
                    by_span.setdefault((dataset_type, begin, end), []).append(ref)
            for (_type, begin, end), members in sorted(by_span.items(), key=str):
                registry.certify(calib, members, _timespan(dafbutler, begin, end))
            registry.registerCollection(chain, dafbutler.CollectionType.CHAINED)
            children = list(registry.getCollectionChain(chain))
            if calib not in children:
                registry.setCollectionChain(chain, [calib, *children])


# ------------------------------------------------------------------------------------------ reading back


def butler_answer(repo: str | Path, dataset_type: str, data_id: dict, moment) -> dict:
    """What the butler at ``repo`` returns for ``data_id`` at ``moment`` (naive UTC), read back by obscal.

    The dataset is looked up in ``<instrument>/calib`` with the instant converted to TAI; its file is
    fetched through ``getURI`` and read with obscal's FITS reader, whose stamps say which package file
    and validity it came from.

    Returns
    -------
    dict
        ``found`` (bool), ``dataset_id``, ``run``, ``uri``, and from the file: ``source`` (its path in
        the package), ``source_sha256``, ``valid_start``, ``valid_end``, ``commit``.

    Raises
    ------
    ObscalError
        lsst-daf-butler is missing, there is no repository at ``repo``, or the file cannot be read.
    """
    from obscal.model.calibration import Calibration
    from obscal.ops.export import chain_collection, tai

    dafbutler = _butler()
    if not ((Path(repo) / "butler.yaml").is_file() or Path(repo).is_file()):
        raise ObscalError(f"no butler repository at {repo}")
    _formatter_note(dafbutler)
    from astropy.time import Time

    butler = dafbutler.Butler.from_config(str(repo))
    when = dafbutler.Timespan.fromInstant(Time(tai(moment), scale="tai", format="iso"))
    try:
        ref = butler.find_dataset(dataset_type, data_id, collections=chain_collection(data_id["instrument"]),
                                  timespan=when)  # fmt: skip
    except Exception as exc:  # a dataset type or instrument the repository does not know
        return {"found": False, "why": f"{type(exc).__name__}: {exc}"}
    if ref is None:
        return {"found": False, "why": "no dataset certified at that instant"}
    uri = butler.getURI(ref)
    with uri.as_local() as local:
        calib = Calibration.readFits(local.ospath, dataset_type)
    stamps = calib.source.fits.stamp_cards if calib.source is not None and calib.source.fits else {}
    return {
        "found": True,
        "dataset_id": str(ref.id),
        "run": ref.run,
        "uri": str(uri),
        "source": stamps.get("OBSCAL PATH"),
        "source_sha256": stamps.get("OBSCAL SOURCE_SHA256"),
        "valid_start": stamps.get("VALIDSTART"),
        "valid_end": stamps.get("VALIDEND") or None,
        "commit": stamps.get("OBSCAL GIT_COMMIT"),
    }
