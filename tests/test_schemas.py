"""Every schema is valid JSON Schema 2020-12 and accepts the examples it carries."""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from obscal.validation.schemas import HEADER_ID, SchemaSet

SCHEMAS = SchemaSet()
ALL = sorted(SCHEMAS.by_id)


@pytest.mark.parametrize("sid", ALL)
def test_schema_is_valid_against_metaschema(sid: str) -> None:
    Draft202012Validator.check_schema(SCHEMAS.by_id[sid])


@pytest.mark.parametrize("sid", ALL)
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
