"""Validity ranges: a file is valid from the instant its name gives until the next file's start.

The LSST butler convention (obs_base): within one directory (one instrument/type/detector/filter),
starts are sorted; each range is half-open ``[start, next start)`` and the last one is open.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from .layout import is_calibration_file, iso, parse_valid_start
from .problems import ParseError


@dataclass(frozen=True)
class ValidityRange:
    path: Path
    start: datetime
    end: datetime | None

    @property
    def start_iso(self) -> str:
        return iso(self.start)

    @property
    def end_iso(self) -> str:
        """The end in ISO form, '' when the range is open."""
        return iso(self.end) if self.end is not None else ""


def ranges(paths: list[Path]) -> list[ValidityRange]:
    """The ranges of the files of one directory (names that are not dates are left out)."""
    starts = []
    for path in paths:
        try:
            starts.append((parse_valid_start(path.name.rsplit(".", 1)[0]), path))
        except ParseError:
            continue
    starts.sort()
    distinct = sorted({s for s, _ in starts})
    out = []
    for start, path in starts:
        i = bisect.bisect_right(distinct, start)
        out.append(ValidityRange(path, start, distinct[i] if i < len(distinct) else None))
    return out


def range_of(path: Path) -> ValidityRange:
    """The range of one file, from the other calibration files in its directory."""
    siblings = [p for p in path.parent.iterdir() if p.is_file() and is_calibration_file(p.name)]
    for r in ranges(siblings):
        if r.path.name == path.name:
            return r
    return ValidityRange(path, parse_valid_start(path.name.rsplit(".", 1)[0]), None)
