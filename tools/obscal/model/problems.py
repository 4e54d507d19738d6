"""Problems found in calibration files, and the collector that gathers all of a run's problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    """How bad a problem is: an error fails the run (exit 1), a warning and an info note do not."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Category(StrEnum):
    """What a problem is about; reports group by it."""

    FILE = "file"  # where the file is and whether it can be read at all
    CONTENT = "content"  # schema, metadata and the values of one calibration
    VALIDITY = "validity"  # ranges across the files of a directory
    LIFECYCLE = "lifecycle"  # deprecation
    RECORD = "record"  # provenance and deprecation records
    REPOSITORY = "repository"  # git state of the sources
    OPERATION = "operation"  # a conversion, certification or export step
    INTERNAL = "internal"  # a bug in obscal met while handling a file


class Code(StrEnum):
    """Every problem code obscal reports (the stable, machine-readable part of a problem)."""

    LAYOUT = "layout"
    ACCESS = "access"
    PARSE = "parse"
    SCHEMA = "schema"
    PATH = "path"
    METADATA = "metadata"
    UNKNOWN_KEY = "unknown-key"
    EDIT_HISTORY = "edit-history"
    CAMERA = "camera"
    CHECK = "check"
    DEFECTS = "defects"
    CROSSTALK = "crosstalk"
    LINEARIZER = "linearizer"
    QE_CURVE = "qe_curve"
    CURVE = "curve"
    BFK = "bfk"
    VALIDITY = "validity"
    GAP = "gap"
    SENSOR_SWAP = "sensor-swap"
    DEPRECATED = "deprecated"
    PROVENANCE = "provenance"
    DEPRECATION = "deprecation"
    DIRTY = "dirty"
    CONVERT = "convert"
    TOTEXT = "totext"
    CERTIFY = "certify"
    UPGRADE = "upgrade"
    INTERNAL = "internal"

    @property
    def category(self) -> Category:
        """The category a code belongs to."""
        return _CATEGORY.get(self, Category.CONTENT)


_CATEGORY = {
    Code.LAYOUT: Category.FILE,
    Code.ACCESS: Category.FILE,
    Code.INTERNAL: Category.INTERNAL,
    Code.PARSE: Category.FILE,
    Code.VALIDITY: Category.VALIDITY,
    Code.GAP: Category.VALIDITY,
    Code.SENSOR_SWAP: Category.VALIDITY,
    Code.DEPRECATED: Category.LIFECYCLE,
    Code.PROVENANCE: Category.RECORD,
    Code.DEPRECATION: Category.RECORD,
    Code.DIRTY: Category.REPOSITORY,
    Code.CONVERT: Category.OPERATION,
    Code.TOTEXT: Category.OPERATION,
    Code.CERTIFY: Category.OPERATION,
    Code.UPGRADE: Category.OPERATION,
}


@dataclass(frozen=True)
class Problem:
    """One finding: where it is (file, line, key or JSON pointer), what is wrong and what to do."""

    file: str
    line: int | None
    severity: Severity
    code: Code
    message: str
    pointer: str | None = None
    hint: str | None = None
    #: A finer name than the code, for checks a package may tune (``curve-above-100``).
    rule: str | None = None

    def as_dict(self) -> dict:
        """The problem as plain data (JSON output)."""
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity.value,
            "code": self.code.value,
            "pointer": self.pointer,
            "message": self.message,
            "hint": self.hint,
            "rule": self.rule,
        }


#: The longest message or hint a problem keeps (a bounded excerpt of whatever a file held).
MAX_MESSAGE = 1000


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 20] + f" ... ({len(text)} characters)"


def _sort_key(p: Problem) -> tuple:
    return (p.file, p.line or 0, p.code, p.message)


class ParseError(Exception):
    """A file could not be read; carries the place in the file where reading stopped."""

    def __init__(self, message: str, line: int | None = None, hint: str | None = None, pointer: str | None = None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint
        self.pointer = pointer


class ObscalError(Exception):
    """An error meant for a person (bad arguments, refused operation); printed without a traceback."""


@dataclass
class Report:
    """Collects the problems of one run; ``errors``/``warnings`` keep them apart."""

    problems: list[Problem] = field(default_factory=list)
    files_checked: int = 0
    #: Tracebacks of internal errors (bugs in obscal), for ``--traceback``.
    tracebacks: list[str] = field(default_factory=list)

    def add(
        self,
        file: str | Path,
        severity: Severity,
        code: Code | str,
        message: str,
        *,
        line: int | None = None,
        pointer: str | None = None,
        hint: str | None = None,
        rule: str | None = None,
    ) -> None:
        """Record a problem; ``code`` must be a :class:`Code` (or its value: ``ValueError`` otherwise).

        Messages and hints are cut to :data:`MAX_MESSAGE` characters: a hostile file cannot make a report huge.
        """
        message, hint = _bounded(message), _bounded(hint) if hint is not None else None
        self.problems.append(Problem(str(file), line, severity, Code(code), message, pointer, hint, rule))

    def internal(self, file: str | Path, exc: BaseException) -> None:
        """Record a bug in obscal met while handling ``file`` (the run goes on with the other files)."""
        import traceback

        self.tracebacks.append("".join(traceback.format_exception(exc)))
        self.add(
            file, Severity.ERROR, Code.INTERNAL,
            f"obscal failed on this file: {type(exc).__name__}: {exc}",
            hint="this is a bug in obscal, not a problem of the file: please report it with the output of --traceback",
        )  # fmt: skip

    def error(self, file: str | Path, code: Code | str, message: str, **kw) -> None:
        """Record an error."""
        self.add(file, Severity.ERROR, code, message, **kw)

    def warning(self, file: str | Path, code: Code | str, message: str, **kw) -> None:
        """Record a warning."""
        self.add(file, Severity.WARNING, code, message, **kw)

    def info(self, file: str | Path, code: Code | str, message: str, **kw) -> None:
        """Record an information note."""
        self.add(file, Severity.INFO, code, message, **kw)

    def _of(self, severity: Severity) -> list[Problem]:
        return sorted((p for p in self.problems if p.severity is severity), key=_sort_key)

    @property
    def errors(self) -> list[Problem]:
        """The errors, sorted by file, line and code."""
        return self._of(Severity.ERROR)

    @property
    def warnings(self) -> list[Problem]:
        """The warnings, sorted."""
        return self._of(Severity.WARNING)

    @property
    def infos(self) -> list[Problem]:
        """The information notes, sorted."""
        return self._of(Severity.INFO)

    def of_category(self, category: Category, severity: Severity | None = None) -> list[Problem]:
        """The problems of one category (and severity), sorted."""
        return sorted(
            (p for p in self.problems if p.code.category is category and (severity is None or p.severity is severity)),
            key=_sort_key,
        )

    @property
    def internal_errors(self) -> list[Problem]:
        """The bugs in obscal met during the run."""
        return [p for p in self.problems if p.code is Code.INTERNAL]

    @property
    def ok(self) -> bool:
        """Whether no error was recorded."""
        return not any(p.severity is Severity.ERROR for p in self.problems)
