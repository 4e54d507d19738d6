"""Every schema is valid JSON Schema 2020-12 and accepts the examples it carries."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft202012Validator

from obscal.validation.schemas import HEADER_ID, SchemaSet, semantic_digest

from .conftest import REPO

SCHEMAS = SchemaSet()
ALL = sorted(SCHEMAS.by_id)
#: Schemas of a calibration version (or the shared header); the others hold definitions referenced by them.
VERSIONED = sorted(sid for sid, s in SCHEMAS.by_id.items() if "version" in s.get("x-obscal", {}) or sid == HEADER_ID)


@pytest.mark.parametrize("sid", ALL)
def test_schema_is_valid_against_metaschema(sid: str) -> None:
    Draft202012Validator.check_schema(SCHEMAS.by_id[sid])


@pytest.mark.parametrize("sid", VERSIONED)
def test_examples_validate_in_both_profiles(sid: str) -> None:
    schema = SCHEMAS.by_id[sid]
    assert schema.get("examples"), f"{sid} carries no example"
    for example in schema["examples"]:
        if sid == HEADER_ID:
            ref = f"{sid}#/$defs/strict"
            assert not list(SCHEMAS.validator(ref).iter_errors(example))
            continue
        issues = list(SCHEMAS.check(schema, example))
        if schema["x-obscal"].get("legacy"):  # read in compat only: strict must refuse it
            assert issues and all(i.strict_only for i in issues)
            continue
        assert not issues, f"{sid}: {issues}"


def test_ids_are_stable_urns_matching_file_layout() -> None:
    for sid, path in SCHEMAS.paths.items():
        family, version = path.parent.name, path.name.removesuffix(".schema.json")
        assert sid == f"urn:obscal:schema:{family}:{version}"


def test_every_registered_type_has_a_schema_for_its_current_version() -> None:
    from obscal.model import registry

    for name, cls in registry.load_types().items():
        assert SCHEMAS.get(cls.schema_family, cls.VERSION), (name, cls.VERSION)


def test_strict_part_rejects_missing_dmtn148_keys() -> None:
    schema = SCHEMAS.get("defects", "2.0")
    example = dict(schema["examples"][0])
    example["metadata"] = {k: v for k, v in example["metadata"].items() if k not in ("CALIB_ID", "EDIT_HISTORY")}
    issues = list(SCHEMAS.check(schema, example))
    assert {i.message for i in issues} == {"missing required key 'CALIB_ID'", "missing required key 'EDIT_HISTORY'"}
    assert all(i.strict_only for i in issues)


# ------------------------------------------------------------------------------------------ versions


RELEASED = json.loads((REPO / "schemas" / "released.json").read_text())["released_in"]
#: Released schemas whose semantic change was deliberate, with the reason (none so far).
EXPECTED_CHANGES: dict[str, str] = {}


@pytest.mark.parametrize(("release", "sid"), [(r, sid) for r, ids in RELEASED.items() for sid in ids])
def test_released_schema_is_frozen(release: str, sid: str) -> None:
    """rad's rule: a released schema changes only in titles, descriptions and examples (referenced ones included)."""
    if sid in EXPECTED_CHANGES:
        pytest.skip(EXPECTED_CHANGES[sid])
    assert sid in SCHEMAS.by_id, f"{sid}, released in {release}, is gone: released schemas are never removed"
    assert semantic_digest(SCHEMAS, sid) == RELEASED[release][sid], (
        f"{sid} (released in {release}) accepts something else now: add a new version instead"
    )


def test_every_schema_is_recorded_as_released_or_new() -> None:
    recorded = {sid for ids in RELEASED.values() for sid in ids}
    assert set(SCHEMAS.by_id) <= recorded, (
        f"record new schemas in schemas/released.json: {set(SCHEMAS.by_id) - recorded}"
    )


def test_a_description_change_keeps_the_digest_and_a_semantic_change_does_not() -> None:
    import copy

    sid = "urn:obscal:schema:linearizer:1.2"
    other = SchemaSet()
    other.by_id = copy.deepcopy(SCHEMAS.by_id)
    other.by_id[sid]["description"] = "reworded"
    other.by_id["urn:obscal:schema:linearizer:common"]["$defs"]["column"]["TYPE"]["description"] = "reworded"
    assert semantic_digest(other, sid) == semantic_digest(SCHEMAS, sid)
    other.by_id["urn:obscal:schema:linearizer:common"]["$defs"]["column"]["TYPE"]["required"] = []
    assert semantic_digest(other, sid) != semantic_digest(SCHEMAS, sid)


def test_a_version_has_only_what_it_added() -> None:
    """Linearizer 1.0/1.1 share one schema; a later column in an earlier version is refused, naming the version."""
    assert SCHEMAS.get("linearizer", "1.0") is SCHEMAS.get("linearizer", "1.1")
    example = json.loads(json.dumps(SCHEMAS.get("linearizer", "1.8")["examples"][0]))
    example["columns"]["INPUT_GAIN"] = {"datatype": "float64"}
    assert not list(SCHEMAS.check(SCHEMAS.get("linearizer", "1.8"), example))
    example["metadata"]["LINEARIZER_VERSION"] = 1.1
    example["metadata"].pop("LINEARITY_UNITS")
    issues = list(SCHEMAS.check(SCHEMAS.get("linearizer", "1.1"), example))
    assert [(i.pointer, i.message) for i in issues] == [("/columns", "unexpected key(s) 'INPUT_GAIN'")]
    assert issues[0].hint and "added in version 1.7" in issues[0].hint
    ids = {SCHEMAS.get("linearizer", v)["$id"] for v in SCHEMAS.versions("linearizer")}
    assert len(ids) == len(SCHEMAS.versions("linearizer")) - 1  # 1.0 and 1.1 are one schema
    assert len({semantic_digest(SCHEMAS, sid) for sid in ids}) == len(ids)  # every schema accepts something else


def test_a_yaml_key_of_a_later_version_is_refused_naming_the_version() -> None:
    schema = SCHEMAS.get("crosstalk", "1.0")
    metadata = dict(schema["examples"][0]["metadata"])
    content = {"metadata": metadata, "coeffs": [0.0, 1e-4, 1e-4, 0.0], "coeffsSqr": [0.0, 0.0, 0.0, 0.0]}
    issues = list(SCHEMAS.check(schema, content))
    assert [(i.pointer, i.message) for i in issues] == [("/coeffsSqr", "unexpected key(s) 'coeffsSqr'")]
    assert "added in version 1.1" in (issues[0].hint or "")
    later = dict(content, metadata={**metadata, "CROSSTALK_VERSION": 1.1, "CROSSTALK_RATIOS_UNITS": "adu"})
    assert not list(SCHEMAS.check(SCHEMAS.get("crosstalk", "1.1"), later))
