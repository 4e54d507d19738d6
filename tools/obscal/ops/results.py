"""What every operation returns: the problems met, the files written and skipped, and notes for people."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from obscal.model.problems import Report

#: Told how far a long operation is: ``(phase, done, total)`` (e.g. ``("validating", 120, 3000)``).
Progress = Callable[[str, int, int], None]


@dataclass
class OperationResult:
    """The outcome of convert, totext, certify (and later export).

    Attributes
    ----------
    report : Report
        Every problem met; the operation wrote nothing when ``report.ok`` is false.
    written : list of Path
        The files written (all of them, or none).
    skipped : list of (str, str)
        Inputs left out on purpose, and why (a deprecated calibration, a type without a FITS form).
    notes : list of str
        What a person should know about what was done (values taken from elsewhere, ranges changed).
    target : Path or None
        The main file an operation creates (certify), when it has one.
    """

    report: Report = field(default_factory=Report)
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    target: Path | None = None

    @property
    def ok(self) -> bool:
        """Whether the operation succeeded (no error)."""
        return self.report.ok
