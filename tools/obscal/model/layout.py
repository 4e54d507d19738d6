"""The data-package layout: where a file sits says what it is and from when it is valid.

``<root>/<instrument>/<type>/[<detector>/][<filter>/]<validStart>.<ext>`` (obs_base convention).
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from obscal.model.problems import ParseError

#: Extensions read as calibrations (lower case only, as obs_base does).
CALIB_EXTENSIONS = (".ecsv", ".yaml", ".json")
#: Files beside calibrations that are not calibrations themselves.
SIDECAR_SUFFIXES = (".provenance.yaml", ".stamps.yaml", ".deprecated.yaml")

_BASIC = re.compile(r"^(\d{4})(\d{2})(\d{2})[Tt](\d{2})(\d{2})(\d{2})?(\.\d+)?$")


def parse_valid_start(stem: str) -> datetime:
    """Parse a file name stem (``19700101T000000``, ``20130115t0130``, ``2012-09-12T00:00:00``) as UTC."""
    m = _BASIC.match(stem)
    try:
        if m:
            y, mo, d, h, mi, s, frac = m.groups()
            micro = round(float(frac) * 1e6) if frac else 0
            return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), micro)
        value = datetime.fromisoformat(stem.replace("t", "T") if "t" in stem[8:11] else stem)
    except ValueError:
        raise ParseError(
            f"the file name {stem!r} is not a validity start date",
            hint="name the file after the start of its validity, e.g. 20240101T000000.ecsv (UTC)",
        ) from None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def format_valid_start(value: datetime) -> str:
    """The canonical file-name stem for a validity start (``YYYYMMDDTHHMMSS``)."""
    return value.strftime("%Y%m%dT%H%M%S")


def iso(value: datetime) -> str:
    """ISO-8601 form used in metadata (``YYYY-MM-DDTHH:MM:SS``, microseconds if any)."""
    return value.isoformat(timespec="microseconds" if value.microsecond else "seconds")


@dataclass(frozen=True)
class PathInfo:
    """What a calibration file's place in the tree says about it."""

    path: Path
    root: Path
    instrument: str
    calib_type: str
    detector: str | None
    filter: str | None
    valid_start: datetime

    @property
    def group(self) -> tuple:
        """Files sharing a group form one validity sequence (one directory)."""
        return (str(self.root), self.instrument, self.calib_type, self.detector, self.filter)

    @property
    def relpath(self) -> str:
        return self.path.relative_to(self.root).as_posix()


def resolve(path: Path, dimensions_of: dict[str, tuple[str, ...]]) -> PathInfo:
    """Read instrument, type, detector and filter from the trailing components of ``path``.

    ``dimensions_of`` maps each known type directory to its dimensions (``detector``,
    ``physical_filter``).  Raise :class:`ParseError` naming the closest known type for a typo.
    """
    parts = path.parts
    stem = path.name.rsplit(".", 1)[0]
    for depth in (0, 1, 2):
        if len(parts) < depth + 3:
            break
        type_dir = parts[-2 - depth]
        dims = dimensions_of.get(type_dir)
        if dims is None:
            continue
        if len(dims) != depth:
            expected = "/".join([type_dir] + [f"<{d}>" for d in dims] + ["<validStart>" + path.suffix])
            raise ParseError(
                f"a {type_dir} file must be placed as {expected}",
                hint=f"{type_dir} has dimensions {', '.join(dims) or 'none (one file per date)'}",
            )
        sub = parts[len(parts) - 1 - depth : len(parts) - 1]
        detector = sub[dims.index("detector")] if "detector" in dims else None
        filt = sub[dims.index("physical_filter")] if "physical_filter" in dims else None
        root = Path(*parts[: len(parts) - 3 - depth]) if len(parts) > depth + 3 else Path(path.anchor or ".")
        return PathInfo(
            path=path,
            root=root,
            instrument=parts[-3 - depth],
            calib_type=type_dir,
            detector=detector,
            filter=filt,
            valid_start=parse_valid_start(stem),
        )
    candidates = [p for p in parts[-4:-1]]
    guess = None
    for comp in reversed(candidates):
        close = difflib.get_close_matches(comp.lower(), list(dimensions_of), n=1, cutoff=0.6)
        if close:
            guess = (comp, close[0])
            break
    hint = (
        f"directory {guess[0]!r} is not a calibration type; did you mean {guess[1]!r}?"
        if guess
        else "known types: " + ", ".join(sorted(dimensions_of))
    )
    raise ParseError(
        "cannot tell the calibration type from the path "
        "(expected <instrument>/<type>/[<detector>/][<filter>/]<validStart>.<ext>)",
        hint=hint,
    )


def is_calibration_file(name: str) -> bool:
    return name.endswith(CALIB_EXTENSIONS) and not name.endswith(SIDECAR_SUFFIXES) and not name.startswith(".")


def discover(paths: Iterable[Path]) -> Iterator[Path]:
    """Every calibration file under ``paths``, each once, in sorted order.

    Files are taken as given, except sidecars (provenance, deprecation), which stand for the calibration
    beside them: a changed sidecar changes what its calibration means, so that is what gets checked.
    """
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = []
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                found.extend(Path(dirpath, f) for f in filenames if is_calibration_file(f))
            batch = sorted(found)
        elif path.name.endswith(SIDECAR_SUFFIXES):
            stem = path.name[: -len(next(s for s in SIDECAR_SUFFIXES if path.name.endswith(s)))]
            batch = [p for ext in CALIB_EXTENSIONS if (p := path.with_name(stem + ext)).is_file()]
        else:
            batch = [path]
        for item in batch:
            if item not in seen:
                seen.add(item)
                yield item
