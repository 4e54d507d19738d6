"""Property-based tests: every input gives a result (accepted, or refused with a message), never a crash.

Real sample files (the example package, the variants, the LSST reference samples) are mutated by
:mod:`obscal.testing.mutate` under hypothesis' control, and calibrations are generated from the schemas'
header keys with arbitrary values. The properties: validation returns with no internal error, quickly;
every problem names the file; an accepted file writes back text the safe loader reads, with no tag that
is not data-only. ``tools/fuzz.py`` runs the same mutations for thousands of inputs.
"""

from __future__ import annotations

import json
import random
import shutil
import time
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from obscal import Calibration, validate
from obscal.model.tagged import WRITABLE_TAGS
from obscal.testing.mutate import mutate
from obscal.validation.schemas import default_schemas

from .conftest import REPO, VARIANTS, calibration_files

REFERENCE = REPO.parent / "shared" / "reference-data"
SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@pytest.fixture(scope="module")
def trees(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Writable copies of the sample trees; every sample file, relative to its tree's root."""
    base = tmp_path_factory.mktemp("fuzz")
    roots = [(REPO / "obs_data", base / "obs_data"), (VARIANTS, base / "variants")]
    if REFERENCE.is_dir():
        roots.append((REFERENCE, base / "reference"))
    for source, dest in roots:
        shutil.copytree(source, dest)
    return [p for _, dest in roots for p in calibration_files(dest)]


def _assert_result_is_sound(path: Path, started: float) -> None:
    result = validate([path], profile="compat")
    assert time.perf_counter() - started < 20, f"{path}: too slow"
    assert not result.report.internal_errors, "\n".join(result.report.tracebacks)
    assert all(p.file for p in result.problems)
    if not [p for p in result.errors if Path(p.file).name == path.name]:
        # Accepted: what a writer makes of it is plain data the safe loader reads back, no executable tag.
        text = Calibration.readText(path).toText()
        tags = {t for t in _tags(text)}
        lsst = {"!!python/object/apply:lsst.geom.Box2I", "!!python/object/apply:lsst.geom.Point2I", "!!python/tuple"}
        assert tags <= WRITABLE_TAGS | lsst | {"!<lsst.daf.base.PropertyList>", "!!omap"}, tags


def _tags(text: str) -> list[str]:
    import re

    return re.findall(r"(?:^|[\s\[{,:-])(![^\s,\]}]*)", text)


@SETTINGS
@given(data=st.data())
def test_mutated_real_files_give_a_result(trees: list[Path], data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(trees), label="sample")
    rng = data.draw(st.randoms(use_true_random=False), label="rng")
    original = path.read_bytes()
    _names, mutated = mutate(original, rng)
    path.write_bytes(mutated)
    try:
        _assert_result_is_sound(path, time.perf_counter())
    finally:
        path.write_bytes(original)


def _values() -> st.SearchStrategy:
    leaves = st.one_of(
        st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=40), st.sampled_from(["2024-02-30", "25:61:00", "!!python/name:os.system", "1e400"]),
    )  # fmt: skip
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=20,
    )


HEADER_KEYS = sorted(default_schemas().by_id["urn:obscal:schema:header:1.0"]["$defs"]["common"]["properties"])


@SETTINGS
@given(
    calib_type=st.sampled_from(["bfk", "crosstalk", "linearizer"]),
    metadata=st.dictionaries(st.sampled_from(HEADER_KEYS) | st.text(max_size=12), _values(), max_size=12),
    body=st.dictionaries(st.text(max_size=12), _values(), max_size=6),
    as_json=st.booleans(),
)
def test_generated_calibrations_give_a_result(
    trees: list[Path], calib_type: str, metadata: dict, body: dict, as_json: bool
) -> None:
    sample = next(p for p in trees if "ExampleCam" in p.parts)
    package = Path(*sample.parts[: sample.parts.index("ExampleCam")])
    target = package / "ExampleCam" / calib_type / "r22_s00" / ("20300101T000000" + (".json" if as_json else ".yaml"))
    content = {"metadata": metadata, **{k: v for k, v in body.items() if k != "metadata"}}
    try:
        text = json.dumps(content, allow_nan=True) if as_json else yaml.safe_dump(content, allow_unicode=True)
    except (ValueError, TypeError, yaml.YAMLError):
        return  # not representable: nothing to feed
    target.write_text(text)
    try:
        _assert_result_is_sound(target, time.perf_counter())
    finally:
        target.unlink()


def test_mutations_are_reproducible() -> None:
    sample = (REPO / "obs_data/ExampleCam/defects/r22_s00/20240101T000000.ecsv").read_bytes()
    assert mutate(sample, random.Random(7)) == mutate(sample, random.Random(7))
    assert mutate(sample, random.Random(7)) != mutate(sample, random.Random(8))


SWEEP = [
    "obs_data/ExampleCam/defects/r22_s00/20240101T000000.ecsv",
    "obs_data/ExampleCam/bfk/r22_s00/20240101T000000.yaml",
    "obs_data/ExampleCam/crosstalk/r22_s00/20240101T000000.ecsv",
    "tests/fixtures/variants/testcam/linearizer/d1/1970-01-01T00:00:00.yaml",
]


@pytest.mark.parametrize("sample", SWEEP)
def test_every_extreme_value_at_every_kind_of_place(tmp_path: Path, sample: str) -> None:
    """Each extreme value put in place of the first, a middle and the last number of one file of each format."""
    import re

    from obscal.testing.mutate import EXTREMES

    source = REPO / sample
    rel = Path(*source.parts[-4:])  # <instrument>/<type>/<detector>/<file> below the package root
    target = tmp_path / "pkg" / rel
    shutil.copytree(source.parents[3], tmp_path / "pkg")
    original = source.read_bytes()
    numbers = list(re.finditer(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?", original))
    for m in {numbers[0].span(), numbers[len(numbers) // 2].span(), numbers[-1].span()}:
        for extreme in EXTREMES:
            target.write_bytes(original[: m[0]] + extreme + original[m[1] :])
            _assert_result_is_sound(target, time.perf_counter())
