"""The shape of the code: layers import one way, no cycles, formats are registered, the wheel is whole.

These keep the restructure of issue 9 from eroding: a module that imports upwards, a new import cycle,
a suffix test outside the format registry or a schema left out of the wheel fails here.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import git
import pytest

from .conftest import REPO, commit

PACKAGE = REPO / "tools" / "obscal"


def test_import_contracts_are_kept() -> None:
    """``[tool.importlinter]`` in pyproject.toml: cli -> ops -> validation -> store -> io -> calibtypes -> model."""
    lint_imports = Path(sys.executable).parent / "lint-imports"  # import-linter's command, beside this python
    ran = subprocess.run(
        [str(lint_imports), "--config", str(REPO / "pyproject.toml"), "--no-cache"],
        cwd=REPO / "tools", capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "BROKEN" not in ran.stdout and ran.stdout.count("KEPT") >= 2


def _cycles() -> list[list[str]]:
    import grimp

    graph = grimp.build_graph("obscal", exclude_type_checking_imports=True)
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle() -> None:
    """Type-only imports (under TYPE_CHECKING) are left out: they do not run."""
    assert _cycles() == []


def test_layers_are_folders_a_newcomer_sees() -> None:
    layers = {"model", "calibtypes", "io", "validation", "store", "ops", "cli", "testing"}
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and not p.name.startswith("__")} == layers
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert loose == ["__init__.py", "__main__.py", "_version.py"]


def test_no_suffix_tests_outside_the_format_registry() -> None:
    """Callers ask the registry which format a file is; only it (and a message) may look at suffixes."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).as_posix()
        if rel in ("model/formats.py", "io/__init__.py"):
            continue
        for n, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"\.suffix\b.*(==|\bin\b)|\(\"\.(ecsv|yaml|json|fits)\"", line):
                offenders.append(f"{rel}:{n}: {line.strip()}")
    assert offenders == []


def test_every_format_module_registered_and_complete() -> None:
    from obscal.model import formats

    names = {f.name for f in formats.all_formats()}
    assert names == {"ecsv", "yaml", "json", "fits"}
    for fmt in formats.all_formats():
        module = fmt.implementation()
        needed = ("load", "dump") if fmt.text else ("read", "write")
        assert all(callable(getattr(module, name, None)) for name in needed), fmt.name
        assert formats.for_path(f"x{fmt.suffixes[0]}") is fmt


# ------------------------------------------------------------------------------------------ packaging


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A wheel built from this checkout, installed into a fresh virtual environment; its python."""
    work = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(work / "dist"), str(REPO)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (work / "dist").glob("obscal-*.whl")
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "OBSCAL_SCHEMAS")}
    done = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True, text=True, timeout=900,
        env=env,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return python


def test_wheel_ships_every_schema(installed_wheel: Path) -> None:
    ran = subprocess.run(
        [str(installed_wheel), "-c", "import obscal, pathlib; from obscal.validation.schemas import schema_dir; "
         "d = schema_dir(); print(d); print(len(list(d.rglob('*.schema.json'))))"],
        cwd=installed_wheel.parents[2], capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr
    where, count = ran.stdout.split()
    assert "site-packages" in where
    assert int(count) == len(list((REPO / "schemas").rglob("*.schema.json")))


def test_installed_wheel_validates_the_package(installed_wheel: Path, tmp_path: Path) -> None:
    """From a directory outside the repository, with nothing of the checkout on the path."""
    obscal = installed_wheel.parent / "obscal"
    ran = subprocess.run(
        [str(obscal), "validate", str(REPO / "obs_data")], cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.strip().splitlines()[-1].startswith("OK:")
    version = subprocess.run([str(obscal), "--version"], capture_output=True, text=True, timeout=60)
    from importlib.metadata import version as installed

    assert version.stdout.strip() == f"obscal {installed('obscal')}"


# ------------------------------------------------------------------------------------------ conversion output


def _conversion_digest(tmp_path: Path) -> str:
    from obscal.ops.convert import convert

    root = tmp_path / "pkg"
    shutil.copytree(REPO / "obs_data", root / "obs_data")
    repo = git.Repo.init(root)
    commit(repo, "data", "2024-02-01T12:00:00+00:00")
    result = convert([root / "obs_data"], tmp_path / "out")
    assert result.ok, [p.message for p in result.report.errors]
    lines = [
        f"{p.relative_to(tmp_path / 'out').as_posix()} {hashlib.sha256(p.read_bytes()).hexdigest()}"
        for p in sorted((tmp_path / "out").rglob("*.fits"))
    ]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def test_conversion_output_is_pinned(tmp_path: Path) -> None:
    from importlib.metadata import version

    digest = _conversion_digest(tmp_path)
    expected = PINNED.get(version("obscal"))
    assert expected is not None, f"no pinned digest for version {version('obscal')}: add {digest!r}"
    assert digest == expected, f"the FITS bytes of obs_data changed (now {digest}); if intended, update PINNED"


#: SHA-256 over the sorted (path, SHA-256) pairs of `obscal convert` of obs_data/, committed at a fixed
#: time by a fixed author, by obscal version (the version is stamped into every file). It changes only
#: when the FITS bytes do: a change to obs_data/, to what a conversion writes, or the version. When such
#: a change is intended, put the new value here (the failure message prints it).
PINNED = {"0.3.0": "abecce329f9185fe32601813469b7f014ad89f5e4589dc41373864e85d6e95e3"}


# ------------------------------------------------------------------------------------------ documentation


def _public_definitions() -> list[tuple[str, object]]:
    import ast

    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text())
        found.append((f"{path.relative_to(PACKAGE)} (module)", tree))

        def visit(node: object, prefix: str, path: Path = path) -> None:
            for child in ast.iter_child_nodes(node):  # type: ignore[arg-type]
                if isinstance(child, ast.ClassDef | ast.FunctionDef) and not child.name.startswith("_"):
                    found.append((f"{path.relative_to(PACKAGE)}:{child.lineno} {prefix}{child.name}", child))
                    if isinstance(child, ast.ClassDef):
                        visit(child, f"{child.name}.")

        visit(tree, "")
    return found


def test_every_public_name_has_a_docstring() -> None:
    import ast

    missing = [name for name, node in _public_definitions() if not ast.get_docstring(node)]  # type: ignore[arg-type]
    assert missing == []


def test_api_entry_points_document_what_they_raise() -> None:
    import inspect

    import obscal
    from obscal.model.calibration import Calibration

    entry_points = [
        obscal.validate, obscal.convert, obscal.totext, obscal.certify, obscal.deprecate, obscal.Package.open,
        obscal.Package.lookup, obscal.Package.key, obscal.Package.file, obscal.Package.camera,
        Calibration.readFits, Calibration.writeText, Calibration.toText,
    ]  # fmt: skip
    for function in entry_points:
        doc = inspect.getdoc(function) or ""
        assert "Raises\n------" in doc, function.__qualname__


# ------------------------------------------------------------------------------------------ extension points


def test_a_new_type_is_one_class_and_one_schema(tmp_path: Path) -> None:
    """What the README shows: a subclass registers itself; a schema in the family's folder is all it needs."""
    import json

    import numpy as np

    from obscal.model import registry
    from obscal.model.calibration import Calibration
    from obscal.model.table import Column, Table
    from obscal.validation.schemas import SchemaSet, schema_dir
    from obscal.validation.validator import Validator

    class DarkCurrent(Calibration):
        """``dark_current``: mean dark current per amplifier (a test type)."""

        dataset_types = ("dark_current",)
        OBSTYPE = "dark_current"
        SCHEMA = "obscal dark current"
        dimensions = ("detector",)

        def check(self, ctx):  # type: ignore[no-untyped-def]
            values = self.tables()[0]["current"]
            for i in np.flatnonzero(values < 0):
                ctx.error("check", f"negative dark current in row {i}", path=("rows", int(i)))

    try:
        schemas = tmp_path / "schemas"
        shutil.copytree(schema_dir(), schemas)
        (schemas / "dark_current").mkdir()
        (schemas / "dark_current" / "1.0.schema.json").write_text(json.dumps({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": "urn:obscal:schema:dark_current:1.0",
            "x-obscal": {"family": "dark_current", "version": "1.0"},
            "type": "object",
            "properties": {"metadata": {"allOf": [{"$ref": "urn:obscal:schema:header:1.0#/$defs/common"}]}},
        }))  # fmt: skip
        package = tmp_path / "obs_data"
        shutil.copytree(REPO / "obs_data" / "ExampleCam" / "camera", package / "ExampleCam" / "camera")
        target = package / "ExampleCam" / "dark_current" / "r22_s00" / "20240101T000000.ecsv"
        target.parent.mkdir(parents=True)
        metadata = {"OBSTYPE": "dark_current", "dark_current_SCHEMA": "obscal dark current",
                    "dark_current_VERSION": 1.0, "INSTRUME": "ExampleCam", "DETECTOR": 0, "FILTER": None}  # fmt: skip
        columns = [
            Column("amp", "string", np.array(["C10", "C11"])),
            Column("current", "float64", np.array([0.1, -1.0])),
        ]
        DarkCurrent(metadata, tables=[Table(columns, metadata)]).writeText(target)
        result = Validator("compat", SchemaSet(schemas)).run([package])
        problems = [(p.code.value, p.pointer) for p in result.errors]
        assert problems == [("check", "/rows/1")], result.errors
    finally:
        registry._BY_DATASET_TYPE.pop("dark_current", None)


def test_a_new_text_format_is_one_module_and_one_registration(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A format module provides load/dump; registering it is all the rest of obscal needs."""
    import json
    import types

    from obscal.io import safejson
    from obscal.model import formats
    from obscal.model.calibration import Calibration

    module = types.ModuleType("obscal_test_jsonl")
    module.load = lambda path, text: safejson.load(path, text.replace("\n", " "))  # type: ignore[attr-defined]
    module.dump = lambda calib: json.dumps(calib.toDict()) + "\n"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "obscal_test_jsonl", module)
    monkeypatch.setitem(formats._FORMATS, "jsonl", formats.Format("jsonl", (".jsonl",), "obscal_test_jsonl"))
    source = Calibration.readText(REPO / "obs_data/ExampleCam/bfk/r22_s00/20240101T000000.yaml")
    target = tmp_path / "ExampleCam" / "bfk" / "r22_s00" / "20240101T000000.jsonl"
    target.parent.mkdir(parents=True)
    source.writeText(target)
    again = Calibration.readText(target)
    assert type(again).__name__ == "BrighterFatterKernel"
    assert again.getMetadata() == source.getMetadata()
