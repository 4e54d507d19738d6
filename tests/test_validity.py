"""The validity model: ranges, explicit ends, deprecations, replacements, and lookups at every boundary."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from obscal.model.instants import parse_instant
from obscal.model.problems import ObscalError, Severity
from obscal.model.validity import Deprecation, Entry, Timeline, check_group, effective_ranges, own_ranges

US = timedelta(microseconds=1)
D = Path("obs_data/Cam/defects/d0")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text)


def entry(stem: str, end: str | None = None, dep: Deprecation | None = None) -> Entry:
    return Entry(D / f"{stem}.ecsv", datetime.strptime(stem, "%Y%m%dT%H%M%S"), t(end) if end else None, dep)


BAD = Deprecation("2024-11-01T00:00:00Z", "Jane Doe", "mask shifted")
# A [01-01, 03-01)   B [03-01, 04-01) explicit end   gap [04-01, 05-01)   C [05-01, 07-01)
# D deprecated, no replacement: gap [07-01, 09-01)   E deprecated -> F: F covers [09-01, 10-01)   F [10-01, open)
GROUP = [
    entry("20240101T000000"),
    entry("20240301T000000", end="2024-04-01T00:00:00"),
    entry("20240501T000000"),
    entry("20240701T000000", dep=BAD),
    entry("20240901T000000", dep=Deprecation("2024-11-02T00:00:00Z", "Jane Doe", "wrong gain", "20241001T000000.ecsv")),
    entry("20241001T000000"),
]


def test_own_ranges_use_the_next_start_or_an_earlier_explicit_end() -> None:
    got = [(r.path.stem, r.start_iso, r.end_iso, r.explicit_end) for r in own_ranges(reversed(GROUP))]
    assert got == [
        ("20240101T000000", "2024-01-01T00:00:00", "2024-03-01T00:00:00", False),
        ("20240301T000000", "2024-03-01T00:00:00", "2024-04-01T00:00:00", True),
        ("20240501T000000", "2024-05-01T00:00:00", "2024-07-01T00:00:00", False),
        ("20240701T000000", "2024-07-01T00:00:00", "2024-09-01T00:00:00", False),
        ("20240901T000000", "2024-09-01T00:00:00", "2024-10-01T00:00:00", False),
        ("20241001T000000", "2024-10-01T00:00:00", "", False),
    ]


def test_effective_ranges_drop_deprecated_files_and_give_their_interval_to_the_replacement() -> None:
    got = [(r.path.stem, r.start_iso, r.end_iso, r.via.stem if r.via else None) for r in effective_ranges(GROUP)]
    assert got == [
        ("20240101T000000", "2024-01-01T00:00:00", "2024-03-01T00:00:00", None),
        ("20240301T000000", "2024-03-01T00:00:00", "2024-04-01T00:00:00", None),
        ("20240501T000000", "2024-05-01T00:00:00", "2024-07-01T00:00:00", None),
        ("20241001T000000", "2024-09-01T00:00:00", "2024-10-01T00:00:00", "20240901T000000"),
        ("20241001T000000", "2024-10-01T00:00:00", "", None),
    ]


# instant -> (why, file found or None)
BOUNDARIES = [
    ("2023-12-31T23:59:59.999999", "before-first", None),
    ("2024-01-01T00:00:00", "found", "20240101T000000"),
    ("2024-02-29T23:59:59.999999", "found", "20240101T000000"),
    ("2024-03-01T00:00:00", "found", "20240301T000000"),
    ("2024-03-31T23:59:59.999999", "found", "20240301T000000"),
    ("2024-04-01T00:00:00", "gap", None),  # explicit end is exclusive
    ("2024-04-30T23:59:59.999999", "gap", None),
    ("2024-05-01T00:00:00", "found", "20240501T000000"),
    ("2024-06-30T23:59:59.999999", "found", "20240501T000000"),
    ("2024-07-01T00:00:00", "deprecated", None),
    ("2024-08-31T23:59:59.999999", "deprecated", None),
    ("2024-09-01T00:00:00", "found", "20241001T000000"),  # the replacement, via the deprecated file
    ("2024-09-30T23:59:59.999999", "found", "20241001T000000"),
    ("2024-10-01T00:00:00", "found", "20241001T000000"),
    ("2099-01-01T00:00:00", "found", "20241001T000000"),
]


@pytest.mark.parametrize(("when", "why", "stem"), BOUNDARIES)
def test_lookup_at_and_around_every_boundary(when: str, why: str, stem: str | None) -> None:
    answer = Timeline(GROUP).lookup(t(when))
    assert answer.why == why, answer.reason
    assert (answer.found.path.stem if answer.found else None) == stem
    if why == "found" and t(when) < t("2024-10-01T00:00:00") and stem == "20241001T000000":
        assert answer.deprecated is not None and answer.deprecated.path.stem == "20240901T000000"
        assert "replacement of deprecated 20240901T000000.ecsv" in answer.reason


def test_reasons_say_why_nothing_is_valid() -> None:
    timeline = Timeline(GROUP)
    before = timeline.lookup(t("2023-06-01T00:00:00"))
    assert "before the first range" in before.reason and "2024-01-01T00:00:00" in before.reason
    gap = timeline.lookup(t("2024-04-15T00:00:00"))
    assert gap.reason == (
        "in a gap: 20240301T000000.ecsv ended at 2024-04-01T00:00:00, "
        "20240501T000000.ecsv starts at 2024-05-01T00:00:00"
    )
    assert (gap.previous.path.stem, gap.following.path.stem) == ("20240301T000000", "20240501T000000")
    dep = timeline.lookup(t("2024-08-01T00:00:00"))
    assert "20240701T000000.ecsv was valid then but is deprecated 2024-11-01T00:00:00Z by Jane Doe: mask shifted" in (
        dep.reason
    )
    assert dep.deprecated.path.stem == "20240701T000000"


def test_after_an_explicit_end_of_the_last_file() -> None:
    timeline = Timeline([entry("20240101T000000"), entry("20240601T000000", end="2024-12-01T00:00:00")])
    assert timeline.lookup(t("2024-11-30T23:59:59.999999")).found.path.stem == "20240601T000000"
    after = timeline.lookup(t("2024-12-01T00:00:00"))
    assert after.why == "after-last" and "ended at 2024-12-01T00:00:00 (explicit VALIDEND)" in after.reason


def test_same_instant_duplicates_are_ambiguous_and_errors() -> None:
    group = [entry("20240101T000000"), Entry(D / "2024-01-01T00:00:00.yaml", t("2024-01-01T00:00:00"))]
    assert all(r.duplicate for r in own_ranges(group))
    answer = Timeline(group).lookup(t("2024-02-01T00:00:00"))
    assert answer.why == "ambiguous" and "2024-01-01T00:00:00.yaml, 20240101T000000.ecsv" in answer.reason
    errors = [f for f in check_group(group) if f.severity is Severity.ERROR]
    assert len(errors) == 2 and all(
        "2 files in one directory start at 2024-01-01T00:00:00" in f.message for f in errors
    )


def test_no_calibration_at_all() -> None:
    assert Timeline([]).lookup(t("2024-01-01T00:00:00")).why == "none"


def findings(group: list[Entry]) -> list[tuple[str, str, str]]:
    return [(f.severity.value, f.path.stem, f.message) for f in check_group(group)]


def test_check_group_reports_gaps_and_deprecations_as_information_only() -> None:
    found = findings(GROUP)
    assert all(sev == "info" for sev, _, _ in found), found
    assert ("info", "20240301T000000", "VALIDEND cuts the range at 2024-04-01T00:00:00: no calibration is valid "
            "from then until 20240501T000000.ecsv starts at 2024-05-01T00:00:00") in found  # fmt: skip
    assert any(stem == "20240701T000000" and "deprecated without a replacement" in msg for _, stem, msg in found)
    assert any(stem == "20240901T000000" and "superseded by 20241001T000000.ecsv" in msg for _, stem, msg in found)


@pytest.mark.parametrize(
    ("group", "stem", "fragment"),
    [
        ([entry("20240101T000000", end="2024-01-01T00:00:00")], "20240101T000000", "is not after the validity start"),
        ([entry("20240101T000000", end="2023-01-01T00:00:00")], "20240101T000000", "the range would be empty"),
        (
            [entry("20240101T000000", end="2024-03-01T00:00:01"), entry("20240301T000000")],
            "20240101T000000",
            "overlaps 20240301T000000.ecsv, which starts at 2024-03-01T00:00:00",
        ),
        (
            [entry("20240101T000000", dep=Deprecation("d", "a", "r", "20240101T000000.ecsv"))],
            "20240101T000000",
            "names the file itself",
        ),
        (
            [entry("20240101T000000", dep=Deprecation("d", "a", "r", "20990101T000000.ecsv"))],
            "20240101T000000",
            "the replacement 20990101T000000.ecsv is not a calibration file in this directory",
        ),
        (
            [
                entry("20240101T000000", dep=Deprecation("d", "a", "r", "20240201T000000.ecsv")),
                entry("20240201T000000", dep=Deprecation("d", "a", "r", "20240301T000000.ecsv")),
                entry("20240301T000000"),
            ],
            "20240101T000000",
            "its replacement 20240201T000000.ecsv is deprecated too",
        ),
    ],
)
def test_check_group_errors(group: list[Entry], stem: str, fragment: str) -> None:
    errors = [(s, m) for sev, s, m in findings(group) if sev == "error"]
    assert any(s == stem and fragment in m for s, m in errors), errors


def test_an_explicit_end_equal_to_the_next_start_is_fine() -> None:
    group = [entry("20240101T000000", end="2024-03-01T00:00:00"), entry("20240301T000000")]
    assert findings(group) == []
    assert Timeline(group).lookup(t("2024-03-01T00:00:00")).found.path.stem == "20240301T000000"


def test_a_replacement_chain_is_followed_for_lookups() -> None:
    group = [
        entry("20240101T000000", dep=Deprecation("d", "a", "r", "20240201T000000.ecsv")),
        entry("20240201T000000", dep=Deprecation("d", "a", "r", "20240301T000000.ecsv")),
        entry("20240301T000000"),
    ]
    assert Timeline(group).lookup(t("2024-01-15T00:00:00")).found.path.stem == "20240301T000000"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-06-15", "2024-06-15T00:00:00"),
        ("2024-06-15T12:00:00", "2024-06-15T12:00:00"),
        ("2024-06-15 12:00", "2024-06-15T12:00:00"),
        ("20240615T120000", "2024-06-15T12:00:00"),
        ("2024-06-15T12:00:00Z", "2024-06-15T12:00:00"),
        ("2024-06-15T14:00:00+02:00", "2024-06-15T12:00:00"),
        ("2024-06-15T12:00:00.000001", "2024-06-15T12:00:00.000001"),
        ("2024-06-15T12:00:37 TAI", "2024-06-15T12:00:00"),  # TAI - UTC = 37 s since 2017
        ("2024-06-15T12:01:09.184 tt", "2024-06-15T12:00:00"),
        ("MJD 60476.5", "2024-06-15T12:00:00"),
    ],
)
def test_instants(text: str, expected: str) -> None:
    assert parse_instant(text) == t(expected)


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2016-12-31T23:59:60", "MJD x", ""])
def test_bad_instants_say_what_is_accepted(text: str) -> None:
    with pytest.raises(ObscalError) as exc:
        parse_instant(text)
    assert "date" in str(exc.value) or "leap second" in str(exc.value)
