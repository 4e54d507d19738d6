"""The validity model: when each calibration file applies. One module for validation, conversion and lookup.

Within one directory (one instrument/type/detector/filter) every file is valid from the instant its name
gives (UTC) until the next file's start: half-open ``[start, next start)``, the last range open, as the
LSST butler convention has it (obs_base). Two things refine that:

* an explicit ``VALIDEND`` in a file's metadata cuts its range short, leaving a gap until the next start;
* a deprecated file (see :mod:`obscal.store.deprecation`) is used by nobody: its interval becomes a gap, unless
  its record names a replacement in the same directory, which then also covers that interval.

:func:`own_ranges` gives each file's own range; :func:`effective_ranges` what a lookup or an export uses;
:func:`check_group` what the validator reports; :class:`Timeline` answers "what was valid at T" in
O(log n) with a bisection over the sorted starts.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from obscal.model.instants import format_iso as iso
from obscal.model.problems import Code, Severity


@dataclass(frozen=True)
class Deprecation:
    """Who deprecated a calibration, when and why, and its replacement (a file name in the same directory)."""

    date: str
    author: str
    reason: str
    superseded_by: str | None = None

    def summary(self) -> str:
        """The record in one line."""
        out = f"deprecated {self.date} by {self.author}: {self.reason}"
        return out + (f" (superseded by {self.superseded_by})" if self.superseded_by else "")


@dataclass(frozen=True)
class Entry:
    """What the validity model needs to know of one calibration file."""

    path: Path
    start: datetime
    explicit_end: datetime | None = None
    deprecation: Deprecation | None = None

    @property
    def deprecated(self) -> bool:
        """Whether the file carries a deprecation record."""
        return self.deprecation is not None


@dataclass(frozen=True)
class ValidityRange:
    """``[start, end)`` of ``path``; ``end`` None when open.

    ``via`` is set on an interval a file covers as the replacement of a deprecated file (``via``).
    """

    path: Path
    start: datetime
    end: datetime | None
    explicit_end: bool = False
    deprecation: Deprecation | None = None
    via: Path | None = None
    duplicate: bool = False

    @property
    def start_iso(self) -> str:
        """The start in ISO form."""
        return iso(self.start)

    @property
    def end_iso(self) -> str:
        """The end in ISO form, '' when the range is open."""
        return iso(self.end) if self.end is not None else ""

    def contains(self, moment: datetime) -> bool:
        """Whether ``moment`` is in ``[start, end)``."""
        return self.start <= moment and (self.end is None or moment < self.end)

    def describe(self) -> str:
        """``[start, end)`` in words (``open`` for no end)."""
        return f"[{self.start_iso}, {self.end_iso or 'open'})"


@dataclass(frozen=True)
class Finding:
    """A problem with the ranges of one directory, for the validator to report."""

    severity: Severity
    path: Path
    code: Code
    message: str
    hint: str | None = None
    pointer: tuple = ()


# ------------------------------------------------------------------------------------------ ranges


def own_ranges(entries: Iterable[Entry]) -> list[ValidityRange]:
    """Each file's own range, sorted by start: up to the next start, or its explicit end if earlier.

    Files sharing a start (an error the validator reports) both get the range, marked ``duplicate``.
    """
    ordered = sorted(entries, key=lambda e: (e.start, e.path.name))
    starts = sorted({e.start for e in ordered})
    count = defaultdict(int)
    for e in ordered:
        count[e.start] += 1
    out = []
    for e in ordered:
        i = bisect.bisect_right(starts, e.start)
        end = starts[i] if i < len(starts) else None
        explicit = e.explicit_end is not None and (end is None or e.explicit_end <= end)
        out.append(
            ValidityRange(
                e.path,
                e.start,
                e.explicit_end if explicit else end,
                explicit_end=explicit,
                deprecation=e.deprecation,
                duplicate=count[e.start] > 1,
            )
        )
    return out


def replacement_of(entry: Entry, by_name: dict[str, Entry]) -> Entry | None:
    """The file that takes over a deprecated file's interval: its replacement, followed through chains."""
    seen = {entry.path.name}
    current = entry
    while current.deprecation is not None:
        name = current.deprecation.superseded_by
        if not name or name in seen or name not in by_name:
            return None
        seen.add(name)
        current = by_name[name]
    return current if current is not entry else None


def effective_ranges(entries: Iterable[Entry]) -> list[ValidityRange]:
    """The ranges lookups and exports use: deprecated files out, their replacements in their place."""
    entries = list(entries)
    by_name = {e.path.name: e for e in entries}
    out = []
    for r in own_ranges(entries):
        if r.deprecation is None:
            out.append(r)
            continue
        entry = by_name[r.path.name]
        substitute = replacement_of(entry, by_name)
        if substitute is not None:
            out.append(replace(r, path=substitute.path, deprecation=None, via=r.path, explicit_end=r.explicit_end))
    out.sort(key=lambda r: (r.start, r.path.name))
    return out


# ------------------------------------------------------------------------------------------ checks


def check_group(entries: Iterable[Entry]) -> list[Finding]:
    """Problems of one directory's ranges: duplicates, ends before starts, overlaps, bad replacements; gaps as info."""
    entries = sorted(entries, key=lambda e: (e.start, e.path.name))
    by_name = {e.path.name: e for e in entries}
    findings: list[Finding] = []
    by_start: dict[datetime, list[Entry]] = defaultdict(list)
    for e in entries:
        by_start[e.start].append(e)
    for start, same in by_start.items():
        if len(same) > 1:
            names = ", ".join(e.path.name for e in same)
            for e in same:
                findings.append(
                    Finding(
                        Severity.ERROR, e.path, Code.VALIDITY,
                        f"{len(same)} files in one directory start at {iso(start)}: {names}",
                        "keep one file per validity start; delete or re-date the others",
                    )
                )  # fmt: skip
    starts = sorted(by_start)
    for e in entries:
        i = bisect.bisect_right(starts, e.start)
        nxt = by_start[starts[i]][0] if i < len(starts) else None
        end = e.explicit_end
        where = ("metadata", "VALIDEND")
        if end is not None and end <= e.start:
            findings.append(
                Finding(
                    Severity.ERROR, e.path, Code.VALIDITY,
                    f"VALIDEND {iso(end)} is not after the validity start {iso(e.start)}: the range would be empty",
                    "VALIDEND is exclusive and must come after the start the file name gives", where,
                )
            )  # fmt: skip
        elif end is not None and nxt is not None and end > nxt.start:
            findings.append(
                Finding(
                    Severity.ERROR, e.path, Code.VALIDITY,
                    f"VALIDEND {iso(end)} overlaps {nxt.path.name}, which starts at {iso(nxt.start)}: "
                    "two calibrations would be valid at once",
                    f"end this range at or before {iso(nxt.start)}, or remove VALIDEND", where,
                )
            )  # fmt: skip
        elif end is not None and (nxt is None or end < nxt.start):
            until = f"until {nxt.path.name} starts at {iso(nxt.start)}" if nxt else "onwards (no later file)"
            findings.append(
                Finding(
                    Severity.INFO, e.path, Code.GAP,
                    f"VALIDEND cuts the range at {iso(end)}: no calibration is valid from then {until}",
                    pointer=where,
                )
            )  # fmt: skip
        if e.deprecation is not None:
            findings.extend(_check_deprecation(e, by_name, nxt))
    return findings


def _check_deprecation(e: Entry, by_name: dict[str, Entry], nxt: Entry | None) -> list[Finding]:
    assert e.deprecation is not None
    out = [Finding(Severity.INFO, e.path, Code.DEPRECATED, e.deprecation.summary())]
    name = e.deprecation.superseded_by
    if not name:
        until = f"until {nxt.path.name} starts at {iso(nxt.start)}" if nxt else "onwards"
        out.append(
            Finding(
                Severity.INFO, e.path, Code.GAP,
                f"deprecated without a replacement: no calibration is valid from {iso(e.start)} {until}",
            )
        )  # fmt: skip
        return out
    target = by_name.get(name)
    if name == e.path.name:
        out.append(
            Finding(Severity.ERROR, e.path, Code.DEPRECATED, "the deprecation names the file itself as its replacement")
        )
    elif target is None:
        out.append(
            Finding(
                Severity.ERROR, e.path, Code.DEPRECATED,
                f"the replacement {name} is not a calibration file in this directory",
                "a replacement must be in the same directory (same instrument, type, detector and filter)",
            )
        )  # fmt: skip
    elif target.deprecated:
        final = replacement_of(e, by_name)
        out.append(
            Finding(
                Severity.ERROR, e.path, Code.DEPRECATED,
                f"its replacement {name} is deprecated too",
                f"name {final.path.name} (the replacement now in use) instead" if final
                else "name a calibration that is not deprecated, or none",
            )
        )  # fmt: skip
    return out


# ------------------------------------------------------------------------------------------ lookup


@dataclass(frozen=True)
class Answer:
    """What was valid at an instant: the range found, or None and why (``reason`` says it in words).

    ``why`` is one of ``found``, ``none`` (no calibration at all), ``before-first``, ``gap``, ``deprecated``,
    ``after-last`` or ``ambiguous``.
    """

    moment: datetime
    found: ValidityRange | None
    why: str
    reason: str
    deprecated: ValidityRange | None = None
    previous: ValidityRange | None = None
    following: ValidityRange | None = None

    @property
    def ok(self) -> bool:
        """Whether a calibration was found."""
        return self.found is not None


@dataclass
class Timeline:
    """The ranges of one directory, indexed by start for O(log n) lookups."""

    entries: list[Entry]
    own: list[ValidityRange] = field(init=False)
    effective: list[ValidityRange] = field(init=False)

    def __post_init__(self) -> None:
        self.own = own_ranges(self.entries)
        self.effective = effective_ranges(self.entries)
        self._own_starts = [r.start for r in self.own]
        self._own_by_path = {r.path: r for r in self.own}
        self._eff_starts = [r.start for r in self.effective]

    def lookup(self, moment: datetime) -> Answer:
        """What was valid at ``moment`` (a bisection), or why nothing was."""
        i = bisect.bisect_right(self._eff_starts, moment)
        if i and self.effective[i - 1].contains(moment):
            found = self.effective[i - 1]
            if found.duplicate:
                names = ", ".join(sorted({r.path.name for r in self.own if r.start == found.start}))
                why = f"ambiguous: several files start at {found.start_iso} ({names})"
                return Answer(moment, None, "ambiguous", why)
            if found.via is not None:
                dep = self._own_by_path[found.via]
                return Answer(moment, found, "found", f"replacement of deprecated {dep.path.name}", deprecated=dep)
            return Answer(moment, found, "found", "valid")
        return self._explain(moment)

    def _explain(self, moment: datetime) -> Answer:
        if not self.own:
            return Answer(moment, None, "none", "there is no calibration of this kind")
        j = bisect.bisect_right(self._own_starts, moment)
        k = bisect.bisect_right(self._eff_starts, moment)
        previous = self.effective[k - 1] if k else None
        following = self.effective[k] if k < len(self.effective) else None
        if j == 0:
            first = self.own[0]
            return Answer(
                moment, None, "before-first",
                f"before the first range: the earliest calibration, {first.path.name}, starts at {first.start_iso}",
                following=following,
            )  # fmt: skip
        own = self.own[j - 1]
        if own.deprecation is not None and own.contains(moment):
            return Answer(
                moment, None, "deprecated",
                f"{own.path.name} was valid then but is {own.deprecation.summary()}; no replacement is named, "
                "so nothing is valid in its interval " + own.describe(),
                deprecated=own, previous=previous, following=following,
            )  # fmt: skip
        if following is None:
            last = previous or own
            return Answer(
                moment, None, "after-last",
                f"after the last range: {last.path.name} ended at {last.end_iso} (explicit VALIDEND)"
                if last.explicit_end else f"after the last range, which ended at {last.end_iso}",
                previous=previous,
            )  # fmt: skip
        ended = f"{previous.path.name} ended at {previous.end_iso}" if previous else "nothing before it"
        return Answer(
            moment, None, "gap",
            f"in a gap: {ended}, {following.path.name} starts at {following.start_iso}",
            previous=previous, following=following,
        )  # fmt: skip
