"""``obscal export`` and ``obscal ingest`` against a real LSST data butler (lsst-daf-butler, SQLite).

Every certified interval is probed in the butler at its start, inside, 1 µs before its end, at its end
and 1 µs before its start; the dataset found must be the one ``obscal lookup`` names. Bounds written in
UTC instead of TAI (37 s apart) would fail the probes at the boundaries.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import git
import pytest

from obscal.model.identity import dirname
from obscal.ops.deprecate import deprecate
from obscal.ops.export import export
from obscal.ops.ingest import ingest
from obscal.store.package import Package

from .conftest import REPO, commit, edit, run_cli, snapshot

dafbutler = pytest.importorskip("lsst.daf.butler", reason="obscal[butler] is not installed")
EX = "ExampleCam"
STEP = timedelta(microseconds=1)


@pytest.fixture
def pkg(tmp_path: Path) -> git.Repo:
    root = tmp_path / "pkg"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    repo = git.Repo.init(root)
    commit(repo, "ExampleCam", "2025-05-01T10:00:00+00:00")
    return repo


def _root(repo: git.Repo) -> Path:
    return Path(repo.working_tree_dir) / "obs_data"


def _export(repo: git.Repo, out: Path, label: str | None = None):
    result = export([_root(repo)], out, label=label)
    assert result.ok, result.report.problems
    return result


def _tai(moment: datetime):
    from astropy.time import Time

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Time(moment, scale="utc").tai


def _probes(start: datetime, end: datetime | None) -> list[datetime]:
    out = [start - STEP, start, start + (end - start) / 2 if end else start + timedelta(days=400)]
    if end is not None:
        out += [end - STEP, end]
    return out


def _agree(root: Path, butler_repo: Path, bundle: Path) -> int:
    """Probe every interval of the bundle in the butler and in the package; return the probes made."""
    rows = json.loads((bundle / "manifest.json").read_text())["rows"]
    by_source = {r["source"].split("obs_data/", 1)[-1]: r["dataset_id"] for r in rows}
    pkg = Package.open(root)
    butler = dafbutler.Butler.from_config(str(butler_repo))
    probes = 0
    for r in rows:
        start = datetime.fromisoformat(r["valid_start_utc"].rstrip("Z"))
        end = datetime.fromisoformat(r["valid_end_utc"].rstrip("Z")) if r["valid_end_utc"] else None
        data_id = {"instrument": r["instrument"]}
        if r["detector"] is not None:
            data_id["detector"] = r["detector"]
        if r["physical_filter"] is not None:
            data_id["physical_filter"] = r["physical_filter"]
        det = dirname(r["detector_name"]) if r["detector_name"] else None
        filt = dirname(r["physical_filter"]) if r["physical_filter"] else None
        for moment in _probes(start, end):
            answer = pkg.timeline((r["instrument_dir"], r["dataset_type"], det, filt)).lookup(moment)
            expected = by_source[answer.found.path.relative_to(root).as_posix()] if answer.found else None
            found = butler.find_dataset(
                r["dataset_type"], data_id, collections=f"{r['instrument']}/calib",
                timespan=dafbutler.Timespan.fromInstant(_tai(moment)),
            )  # fmt: skip
            got = str(found.id) if found is not None else None
            assert got == expected, (r["dataset_type"], data_id, moment.isoformat(), got, expected)
            probes += 1
    return probes


def test_export_then_ingest_agrees_with_lookup_at_every_boundary(pkg: git.Repo, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    result = _export(pkg, bundle)
    assert {p.name for p in bundle.iterdir()} >= {"manifest.json", "manifest.ecsv", "export.yaml", "SHA256SUMS"}
    plan = ingest(bundle, tmp_path / "repo", create=True)
    assert not plan.conflicts and len(plan.imports) == len({r["dataset_id"] for r in result.rows})
    assert _agree(_root(pkg), tmp_path / "repo", bundle) >= 3 * len(result.rows)

    # The files in the datastore are the bundle's files, byte for byte.
    butler = dafbutler.Butler.from_config(str(tmp_path / "repo"))
    sums = {r["dataset_id"]: r["sha256"] for r in result.rows}
    for dataset_id, digest in sums.items():
        uri = butler.getURI(butler.get_dataset(uuid.UUID(dataset_id)))
        assert hashlib.sha256(Path(uri.ospath).read_bytes()).hexdigest() == digest


def test_reingest_is_a_no_op_and_keeps_the_files(pkg: git.Repo, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    _export(pkg, bundle)
    first = run_cli("ingest", str(bundle), "--butler", str(tmp_path / "repo"), "--create")
    assert first.returncode == 0, first.stderr
    datastore = snapshot(tmp_path / "repo")
    again = run_cli("ingest", str(bundle), "--butler", str(tmp_path / "repo"))
    assert again.returncode == 0 and "nothing to do" in again.stdout, again.stdout + again.stderr
    after = snapshot(tmp_path / "repo")
    fits = {k: v for k, v in datastore.items() if k.endswith(".fits")}
    assert fits and {k: v for k, v in after.items() if k.endswith(".fits")} == fits


def test_incremental_ingest_follows_the_package(pkg: git.Repo, tmp_path: Path) -> None:
    root = _root(pkg)
    _export(pkg, tmp_path / "b1")
    ingest(tmp_path / "b1", tmp_path / "repo", create=True)

    # A deprecation with a replacement, one without, an explicit end, an edit in place.
    d00 = root / EX / "defects/r22_s00"
    first = d00 / "20240101T000000.ecsv"
    deprecate(d00 / "20240615T000000.ecsv", "bad column masked one pixel off", superseded_by=first, author="Cal Team")
    deprecate(root / EX / "manual_defects/r22_s00/20240615T000000.ecsv", "wrong mask", author="Cal Team")
    edit(root / EX / "crosstalk/r22_s11/20240101T000000.ecsv", "# - {CALIBDATE:",
         "# - {VALIDEND: '2025-01-01T00:00:00'}\n# - {CALIBDATE:")  # fmt: skip
    edit(root / EX / "linearizer/r22_s10/20240101T000000.ecsv", "| initial version", "| initial version, retuned")
    commit(pkg, "deprecations, an end, an edit", "2025-06-01T10:00:00+00:00")
    _export(pkg, tmp_path / "b2")
    plan = ingest(tmp_path / "b2", tmp_path / "repo")
    assert not plan.conflicts
    assert len(plan.imports) == 2  # the edited linearizer and the crosstalk with its end: new contents
    assert plan.decertify and plan.certify
    _agree(root, tmp_path / "repo", tmp_path / "b2")
    assert ingest(tmp_path / "b2", tmp_path / "repo").nothing_to_do


def test_a_conflicting_dimension_record_is_refused_and_nothing_written(pkg: git.Repo, tmp_path: Path) -> None:
    root = _root(pkg)
    _export(pkg, tmp_path / "b1")
    ingest(tmp_path / "b1", tmp_path / "repo", create=True)
    for camera in (root / EX / "camera").glob("*.yaml"):
        edit(camera, "purpose: SCIENCE", "purpose: GUIDER")  # detector 0 becomes a guider
    commit(pkg, "detector 0 is a guider", "2025-06-01T10:00:00+00:00")
    _export(pkg, tmp_path / "b2", label="second")
    before = snapshot(tmp_path / "repo")
    result = run_cli("ingest", str(tmp_path / "b2"), "--butler", str(tmp_path / "repo"))
    assert result.returncode == 1
    assert (
        "detector 0 of ExampleCam: the repository has purpose='SCIENCE', the bundle purpose='GUIDER'" in result.stderr
    )
    assert "nothing was written" in result.stderr
    assert snapshot(tmp_path / "repo") == before


def test_the_chain_keeps_its_other_children(pkg: git.Repo, tmp_path: Path) -> None:
    _export(pkg, tmp_path / "bundle")
    dafbutler.Butler.makeRepo(str(tmp_path / "repo"))
    butler = dafbutler.Butler.from_config(str(tmp_path / "repo"), writeable=True)
    butler.registry.registerCollection(f"{EX}/calib/unbounded", dafbutler.CollectionType.RUN)
    butler.registry.registerCollection(f"{EX}/calib", dafbutler.CollectionType.CHAINED)
    butler.registry.setCollectionChain(f"{EX}/calib", [f"{EX}/calib/unbounded"])
    ingest(tmp_path / "bundle", tmp_path / "repo")
    butler = dafbutler.Butler.from_config(str(tmp_path / "repo"))
    assert list(butler.registry.getCollectionChain(f"{EX}/calib")) == [f"{EX}/calib/curated", f"{EX}/calib/unbounded"]


def test_dry_run_changes_nothing(pkg: git.Repo, tmp_path: Path) -> None:
    _export(pkg, tmp_path / "bundle")
    result = run_cli("ingest", str(tmp_path / "bundle"), "--butler", str(tmp_path / "repo"), "--create", "--dry-run")
    assert result.returncode == 0 and "would import 72 dataset(s)" in result.stdout, result.stdout
    assert not (tmp_path / "repo").exists()


def test_two_clones_export_identical_bundles(pkg: git.Repo, tmp_path: Path) -> None:
    outs = []
    for name, url in (("a", "https://example.org/obs.git"), ("b", "git@example.org:obs.git")):
        clone = git.Repo.clone_from(pkg.working_tree_dir, tmp_path / f"clone-{name}")
        clone.remotes.origin.set_url(url)
        _export(clone, tmp_path / f"out-{name}")
        outs.append(snapshot(tmp_path / f"out-{name}"))
    assert outs[0] == outs[1] and len(outs[0]) > 70


def test_plain_butler_import_of_export_yaml_certifies_the_same(pkg: git.Repo, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle"
    _export(pkg, bundle)
    ingest(bundle, tmp_path / "ours", create=True)  # provides the formatter for this process too
    dafbutler.Butler.makeRepo(str(tmp_path / "plain"))
    plain = dafbutler.Butler.from_config(str(tmp_path / "plain"), writeable=True)
    plain.import_(directory=str(bundle), filename=str(bundle / "export.yaml"), transfer="copy")
    ours = dafbutler.Butler.from_config(str(tmp_path / "ours"))

    def held(butler) -> set:
        out = set()
        for t in ("defects", "crosstalk", "transmission_filter", "transmission_system"):
            for a in butler.registry.queryDatasetAssociations(t, collections=f"{EX}/calib/curated"):
                out.add((t, str(a.ref.id), str(a.timespan)))
        return out

    assert held(plain) == held(ours) and len(held(ours)) > 25


def test_an_export_that_fails_leaves_no_bundle(pkg: git.Repo, tmp_path: Path) -> None:
    root = _root(pkg)
    shutil.rmtree(root / EX / "camera")
    commit(pkg, "no camera", "2025-06-01T10:00:00+00:00")
    result = run_cli("export", "--out", str(tmp_path / "bundle"), str(root))
    assert result.returncode in (1, 2)
    assert not (tmp_path / "bundle").exists()
    assert not list(tmp_path.glob(".bundle*"))


# ------------------------------------------------------------------------------------------ PostgreSQL


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="module")
def postgres() -> str:
    """A private PostgreSQL server (Debian's postgresql, installed by .ci/run) on 127.0.0.1; removed after."""
    import os
    import socket
    import subprocess
    import tempfile

    pytest.importorskip("psycopg", reason="lsst-daf-butler[postgres] is not installed")
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not found (Debian package postgresql; .ci/run installs it)")
    as_user: list[str] = []
    base = Path(tempfile.mkdtemp(prefix="obscal-pg-"))
    base.chmod(0o755)
    data = base / "data"
    data.mkdir()
    if os.geteuid() == 0:  # initdb refuses to run as root: run the server as the postgres user
        shutil.chown(data, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *cmd: subprocess.run([*as_user, *cmd], check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {data} -c listen_addresses=127.0.0.1"
        run(str(bindir / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(data / "log"), "-w", "start")
        psql = [str(bindir / "psql"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-v", "ON_ERROR_STOP=1"]
        run(*psql, "-c", "CREATE DATABASE obscal")
        run(*psql, "-d", "obscal", "-c", "CREATE EXTENSION btree_gist")
        yield f"postgresql://postgres@127.0.0.1:{port}/obscal"
    finally:
        subprocess.run([*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True, timeout=60)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


def test_postgresql_registry_agrees_with_lookup_and_reingest_is_a_no_op(
    pkg: git.Repo, tmp_path: Path, postgres: str
) -> None:
    bundle = tmp_path / "bundle"
    result = _export(pkg, bundle)
    created = run_cli("ingest", str(bundle), "--butler", str(tmp_path / "repo"), "--create",
                      "--registry", postgres, "--namespace", "obscal_test")  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "PostgreSQL" in created.stdout
    assert _agree(_root(pkg), tmp_path / "repo", bundle) >= 3 * len(result.rows)
    assert ingest(bundle, tmp_path / "repo").nothing_to_do


def test_a_run_holding_another_dataset_for_the_data_id_is_refused(pkg: git.Repo, tmp_path: Path) -> None:
    root = _root(pkg)
    _export(pkg, tmp_path / "b1", label="release")
    ingest(tmp_path / "b1", tmp_path / "repo", create=True)
    edit(root / EX / "linearizer/r22_s10/20240101T000000.ecsv", "| initial version", "| initial version, retuned")
    commit(pkg, "an edit in place", "2025-06-01T10:00:00+00:00")
    _export(pkg, tmp_path / "b2", label="release")  # the same label: the edited file's RUN is taken
    before = snapshot(tmp_path / "repo")
    plan = ingest(tmp_path / "b2", tmp_path / "repo")
    assert len(plan.conflicts) == 1 and "RUN ExampleCam/calib/release/curated/20240101T000000Z" in plan.conflicts[0]
    assert "another --label" in plan.conflicts[0]
    assert snapshot(tmp_path / "repo") == before


def test_lookup_with_butler_reads_the_butlers_file_back_and_compares(pkg: git.Repo, tmp_path: Path) -> None:
    root = _root(pkg)
    _export(pkg, tmp_path / "bundle")
    ingest(tmp_path / "bundle", tmp_path / "repo", create=True)
    ask = ("lookup", "--root", str(root), "--instrument", EX, "--type", "defects", "--detector", "R22_S00",
           "--date", "2024-07-01", "--butler", str(tmp_path / "repo"))  # fmt: skip
    same = run_cli(*ask, "--format", "json")
    assert same.returncode == 0, same.stderr
    answer = json.loads(same.stdout)["butler"]
    assert answer["agrees"] and answer["source"] == f"{EX}/defects/r22_s00/20240615T000000.ecsv"
    assert answer["valid_start"] == "2024-06-15T00:00:00" and answer["run"].endswith("/curated/20240615T000000Z")
    # The package moves on (a deprecation) but the butler was not updated: the lookup says so.
    d00 = root / EX / "defects/r22_s00"
    deprecate(d00 / "20240615T000000.ecsv", "shifted mask", superseded_by=d00 / "20240101T000000.ecsv", author="Cal")
    stale = run_cli(*ask)
    assert stale.returncode == 1 and "DISAGREES with the package" in stale.stdout, stale.stdout
