"""The data-package layout: where a file sits says what it is and from when it is valid.

``<root>/<instrument>/<type>/[<detector>/][<filter>/]<validStart>.<ext>`` (obs_base convention).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from obscal.model import formats
from obscal.model.instants import parse_stem
from obscal.model.problems import ParseError

#: Files beside calibrations that are not calibrations themselves.
SIDECAR_SUFFIXES = (".provenance.yaml", ".stamps.yaml", ".deprecated.yaml")


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
        """The path relative to the data root, POSIX form."""
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
            valid_start=parse_stem(stem),
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
    """Whether a file name is a calibration of a data package (a text format's suffix, not a sidecar)."""
    suffixes = formats.package_suffixes()
    return name.endswith(suffixes) and not name.endswith(SIDECAR_SUFFIXES) and not name.startswith(".")


def start_of(path: Path) -> datetime:
    """The validity start a calibration's file name gives.

    Raises
    ------
    ParseError
        The name is not a date.
    """
    return parse_stem(path.name.rsplit(".", 1)[0])


def sidecar_base(name: str) -> str | None:
    """The validity-start stem a sidecar file name belongs to (None when it is not a sidecar)."""
    suffix = next((s for s in SIDECAR_SUFFIXES if name.endswith(s)), None)
    return name[: -len(suffix)] if suffix else None
