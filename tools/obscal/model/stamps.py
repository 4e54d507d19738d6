"""What a conversion stamps into a FITS file: where the calibration came from and when it is valid.

This is the data; :mod:`obscal.io.stamps` writes the cards.

In every table HDU (so that the LSST readers carry them along as metadata)::

    VALIDSTART / VALIDEND           validity, ISO UTC; VALIDEND '' when open
    OBSCAL GIT_COMMIT               SHA1 of the commit converted ('' when not from git)
    OBSCAL GIT_FILE_COMMIT          SHA1 of the last commit that changed the source file
    OBSCAL PACKAGE                  the data package's identity, as it declares it ([tool.obscal] package;
                                    '' when it declares none): never the clone's remote, so clones agree
    OBSCAL GIT_DIRTY                T when the source had uncommitted changes (--allow-dirty)
    OBSCAL SOURCE                   source path relative to the repository root
    OBSCAL PATH                     source path relative to the data root (instrument/type/...)
    OBSCAL SOURCE_SHA256            SHA-256 of the source bytes
    OBSCAL PROV_SOURCE / PROV_SHA256  the construction-provenance sidecar, when there is one
    OBSCAL VALID_ALSO               intervals it also covers as the replacement of deprecated files
                                    (``<deprecated file> <start>/<end>``, comma-separated), when any
    OBSCAL VERSION                  the obscal version that wrote the file

then ``HISTORY`` cards: the edit records (``EDIT_HISTORY``) and the file's git history.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass, field
from typing import Any

from obscal._version import __version__

STAMP_KEYS = (
    "VALIDSTART",
    "VALIDEND",
    "OBSCAL GIT_COMMIT",
    "OBSCAL GIT_FILE_COMMIT",
    "OBSCAL PACKAGE",
    "OBSCAL GIT_DIRTY",
    "OBSCAL SOURCE",
    "OBSCAL PATH",
    "OBSCAL SOURCE_SHA256",
    "OBSCAL PROV_SOURCE",
    "OBSCAL PROV_SHA256",
    "OBSCAL VALID_ALSO",
    "OBSCAL VERSION",
)
#: Stamp keywords that could also be calibration metadata keys.
METADATA_KEYS = ("VALIDSTART", "VALIDEND")


@dataclass(frozen=True)
class CommitInfo:
    """One commit that touched a file."""

    sha: str
    author: str
    date: str
    subject: str

    def line(self) -> str:
        """One line for HISTORY cards: short SHA, date, author, subject."""
        return f"{self.sha[:12]} {self.date} {self.author}: {self.subject}"


@dataclass
class Stamps:
    """The stamps of one converted file."""

    valid_start: str
    valid_end: str
    source: str
    path: str
    sha256: str
    date: str
    commit: str = ""
    file_commit: str = ""
    package: str = ""
    #: What ``date`` is: the time of the ``commit`` converted, or (outside git) ``SOURCE_DATE_EPOCH`` or the
    #: ``file modification time``.
    date_source: str = "commit"
    dirty: bool = False
    edits: list[str] = field(default_factory=list)
    history: list[CommitInfo] = field(default_factory=list)
    provenance: dict | None = None
    provenance_source: str = ""
    provenance_sha256: str = ""
    also_valid: list[str] = field(default_factory=list)

    def values(self) -> dict[str, Any]:
        """The stamp keywords and their values, in the order they are written."""
        out: dict[str, Any] = {
            "VALIDSTART": self.valid_start,
            "VALIDEND": self.valid_end,
            "OBSCAL GIT_COMMIT": self.commit,
            "OBSCAL GIT_FILE_COMMIT": self.file_commit,
            "OBSCAL PACKAGE": self.package,
            "OBSCAL GIT_DIRTY": self.dirty,
            "OBSCAL SOURCE": self.source,
            "OBSCAL PATH": self.path,
            "OBSCAL SOURCE_SHA256": self.sha256,
        }
        if self.provenance is not None:
            out["OBSCAL PROV_SOURCE"] = self.provenance_source
            out["OBSCAL PROV_SHA256"] = self.provenance_sha256
        if self.also_valid:
            out["OBSCAL VALID_ALSO"] = ", ".join(self.also_valid)
        out["OBSCAL VERSION"] = __version__
        return out

    def history_lines(self) -> list[str]:
        """The HISTORY lines (ASCII, wrapped at 72): the conversion, the edit records, the git history."""
        lines = [f"obscal convert of {self.source} at commit {self.commit or '(none)'}"]
        if self.dirty:
            lines.append("WARNING: the source had uncommitted changes when converted")
        lines.append(f"Edit records ({len(self.edits)}), date | author | reason:")
        lines.extend(f"  {e}" for e in self.edits)
        lines.append(f"Git history of the source ({len(self.history)} commits, newest first):")
        lines.extend(f"  {c.line()}" for c in self.history)
        out = []
        for line in lines:
            ascii_line = line.encode("ascii", "backslashreplace").decode("ascii")
            indent = " " * (len(ascii_line) - len(ascii_line.lstrip()) + 4)
            out.extend(textwrap.wrap(ascii_line, 72, subsequent_indent=indent, drop_whitespace=False) or [""])
        return out

    def as_dict(self) -> dict:
        """A plain mapping, for the ``.stamps.yaml`` file ``totext`` writes beside the text."""
        out = dict(self.values())
        out["DATE"] = self.date
        out["HISTORY"] = self.history_lines()
        return out
