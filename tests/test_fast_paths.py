"""The fast paths for large numeric arrays give what the general paths give: values, lines, refusals.

* YAML: long runs of one-number lines are read with ``float()`` instead of one YAML scalar each
  (:mod:`obscal.io.safeyaml`); every hostile input the general path refuses, it refuses the same way.
* Schemas: long arrays of plain numbers are walked through representatives
  (:func:`obscal.validation.schemas.compact`), with the original indices in the reported paths.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import pytest

from obscal.io import safeyaml
from obscal.model.problems import ParseError
from obscal.validation import schemas

from .test_validate import HOSTILE

N = safeyaml.RUN_FROM + 44


def _run(indent: str = "", n: int = N, start: float = 0.0) -> str:
    return "".join(f"{indent}- {start + i * 0.015625!r}\n" for i in range(n))


def _both(text: str):
    """(fast, general): each the parsed data and index, or the ParseError raised."""
    out = []
    for fast in (True, False):
        try:
            out.append(safeyaml.parse(text) if fast else safeyaml._parse(text, 0, None))
        except ParseError as exc:
            out.append(exc)
    return out


def _same(text: str) -> None:
    fast, general = _both(text)
    if isinstance(general, ParseError):
        assert isinstance(fast, ParseError), fast
        assert (fast.message, fast.line) == (general.message, general.line)
    else:
        assert not isinstance(fast, ParseError), fast.message
        assert fast[0] == general[0] or repr(fast[0]) == repr(general[0])


def test_a_lookup_table_reads_the_same_values_and_lines() -> None:
    text = "metadata: {OBSTYPE: LINEARIZER}\ntableData:\n- - 0.0\n" + _run("  ", start=1.5) + "- - 0.0\n" + _run("  ")
    fast, general = _both(text)
    assert fast[0] == general[0]
    assert len(fast[0]["tableData"][0]) == N + 1
    table = fast[0]["tableData"]
    for row in (0, 1):
        for i in (0, 1, 100, N):
            assert fast[1].line_of(fast[0], ["tableData", row, i]) == general[1].line_of(
                general[0], ["tableData", row, i]
            )
    assert fast[1].line_of(fast[0], ["tableData", 1, N]) == text.count("\n")  # the last line of the file
    assert all(type(v) is float for v in table[0])


def test_the_fast_path_is_taken_and_keeps_float_semantics() -> None:
    runs = safeyaml._Runs()
    text = "a:\n" + _run() + "b: 1\n"
    assert runs.take(text) != text and len(runs.values[0][1]) == N
    odd = "a:\n" + "".join(f"- {v}\n" for v in ["1.0", "-2.5e+3", ".5", "+3.", "7.25E-2"] * 60)
    fast, general = _both(odd)
    assert fast[0] == general[0] and fast[0]["a"][:5] == [1.0, -2500.0, 0.5, 3.0, 0.0725]


@pytest.mark.parametrize(
    "name",
    ["nan-inside", "int-inside", "string-inside", "comment-inside", "exponent-without-sign", "crlf"],
)
def test_runs_broken_by_other_items_read_the_same(name: str) -> None:
    lines = _run().splitlines(keepends=True)
    middle = {
        "nan-inside": "- .nan\n",
        "int-inside": "- 7\n",
        "string-inside": "- abc\n",
        "comment-inside": "- 1.0  # measured\n",
        "exponent-without-sign": "- 1.0e5\n",  # a string in YAML 1.1
        "crlf": None,
    }[name]
    body = "".join(lines[:150]) + (middle or "") + "".join(lines[150:])
    if name == "crlf":
        body = body.replace("\n", "\r\n")
    _same("metadata: {}\nlut:\n" + body)


def test_a_run_inside_a_block_scalar_stays_text() -> None:
    text = "metadata: {}\nnote: |\n" + _run("  ") + "lut:\n" + _run()
    fast, general = _both(text)
    assert fast[0] == general[0] and isinstance(fast[0]["note"], str) and "- 0.0\n" in fast[0]["note"]


def test_a_forged_placeholder_is_refused_like_any_unknown_tag() -> None:
    forged = f"metadata: {{}}\nlut:\n- !<{safeyaml.RUN_TAG}> 'deadbeef:0'\n" + _run()
    fast, general = _both(forged)
    assert isinstance(fast, ParseError) and isinstance(general, ParseError)
    assert fast.message == general.message and "not allowed" in fast.message


@pytest.mark.parametrize("name", sorted(k for k, (content, _) in HOSTILE.items() if content and b"\x00" not in content))
def test_every_hostile_input_is_refused_the_same_with_a_run_beside_it(name: str) -> None:
    content = HOSTILE[name][0].decode("utf-8", "replace")
    for text in (content + "lut:\n" + _run(), "lut:\n" + _run() + content):
        _same(text)


# ------------------------------------------------------------------------------------------ schemas


def _issues(schema: dict, instance) -> list[tuple[tuple, str]]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema)
    return sorted((tuple(e.absolute_path), e.message.split(" is ")[-1][:20]) for e in validator.iter_errors(instance))


def test_compaction_keeps_the_verdict_and_the_indices() -> None:
    schema = {"type": "array", "items": {"type": "integer", "minimum": 0, "maximum": 1000}}
    values = list(range(500))
    assert schemas.compact(values) is not values and len(schemas.compact(values)) == schemas.COMPACT_KEEP
    bad = list(values)
    bad[300], bad[400] = -5, 2.5
    got = [schemas._original_path(schemas.compact(bad), schemas.SchemaIssue(p, m, None, False)).path
           for p, m in _issues(schema, schemas.compact(bad))]  # fmt: skip
    assert sorted(got) == sorted(p for p, _ in _issues(schema, bad)) == [(300,), (400,)]
    big = [*values[:-1], 5000]
    assert [p for p, _ in _issues(schema, schemas.compact(big))] != []  # the maximum is among the representatives
    assert _issues(schema, schemas.compact(values)) == []


def test_arrays_with_anything_but_numbers_are_walked_whole() -> None:
    mixed = [1.0] * 100 + [True] + [None]
    assert schemas.compact(mixed) == mixed and not isinstance(schemas.compact(mixed), schemas.Representatives)
    nan = [math.nan] * 100
    assert len(schemas.compact(nan)) == schemas.COMPACT_KEEP


def test_no_schema_bounds_a_long_array_by_its_length() -> None:
    """Compaction keeps COMPACT_KEEP elements: a minItems/maxItems at or above that would be misjudged."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "schemas"
    for path in root.rglob("*.json"):
        for key, value in re.findall(r'"(minItems|maxItems)":\s*(\d+)', path.read_text()):
            assert int(value) < schemas.COMPACT_KEEP, (path, key, value)


# ------------------------------------------------------------------------------------------ ECSV headers


def _read_both(text: str, monkeypatch: pytest.MonkeyPatch):
    """``ecsv.read`` with the flow-header fast path, and with the YAML loader only."""
    from obscal.io import ecsv

    out = []
    for fast in (True, False):
        with monkeypatch.context() as m:
            if not fast:
                m.setattr(ecsv, "_flow_header", lambda lines: None)
            try:
                table = ecsv.read(text)
                out.append((repr(table.meta), repr([c.declaration() for c in table.columns]),
                            [table.lines.line_of(table.header, ["meta", k]) for k in table.meta]))  # fmt: skip
            except ParseError as exc:
                out.append(("error", exc.message, exc.line))
    return out


def _ecsv_files() -> list[Path]:
    root = Path(__file__).resolve().parents[1]
    found = sorted((root / "obs_data").rglob("*.ecsv")) + sorted((root / "tests/fixtures").rglob("*.ecsv"))
    shared = root.parent / "shared" / "reference-data"
    return found + (sorted(shared.rglob("*.ecsv")) if shared.is_dir() else [])


def test_every_ecsv_header_we_have_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    for path in _ecsv_files():
        fast, general = _read_both(path.read_text(), monkeypatch)
        assert fast == general, path


HEADER = (
    "# %ECSV 1.0\n# ---\n# datatype:\n# - {name: x, datatype: float64}\n# meta: !!omap\n{meta}"
    "# schema: astropy-2.0\nx\n1.5\n"
)


@pytest.mark.parametrize(
    "meta",
    [
        "# - {A: yes}\n# - {B: 'it''s'}\n# - {C: [16, 16]}\n# - {D: ~}\n# - {E: -1.5e+3}\n",
        "# - {A: 2024-01-01}\n",  # a timestamp: the loader's answer
        "# - {A: 012}\n# - {B: .inf}\n# - {C: 1_000}\n",  # YAML 1.1 forms the fast path leaves alone
        "# - {A: 1}\n# - {A: 2}\n",  # a duplicate key: the loader's message
        '# - {A: "double"}\n# - {B: {nested: 1}}\n',
        "# - {1: numeric key}\n# - {'quoted key': v}\n",
        "# - {A: a, b}\n",  # not valid YAML
        "# - {A: x #comment}\n",
        "# - {A: !!python/name:os.system x}\n",
    ],
)
def test_tricky_headers_read_the_same(meta: str, monkeypatch: pytest.MonkeyPatch) -> None:
    fast, general = _read_both(HEADER.replace("{meta}", meta), monkeypatch)
    assert fast == general


@pytest.mark.parametrize("bad", ["abc", "true", "null", "[1]"])
def test_a_bad_value_inside_a_lookup_table_keeps_its_line_and_pointer(tmp_path: Path, bad: str) -> None:
    """The fast paths step aside for a bad item: the message names its index, pointer and line."""
    from obscal.testing.synthetic import write_decam_linearizers
    from obscal.validation.validator import validate

    write_decam_linearizers(tmp_path, 1, table=2048)
    path = next(tmp_path.rglob("*.yaml"))
    lines = path.read_text().splitlines()
    start = lines.index("tableData:")
    target = start + 2048 + 1 + 700  # row 1 begins after row 0's 2048 lines; item 700 of row 1
    assert lines[target].startswith("  - ")
    lines[target] = f"  - {bad}"
    path.write_text("\n".join(lines) + "\n")
    errors = [p for p in validate([path], "compat").report.errors if "tableData" in (p.pointer or "")]
    assert errors, validate([path], "compat").report.problems
    assert errors[0].pointer == "/tableData/1/700" and errors[0].line == target + 1, errors[0]
