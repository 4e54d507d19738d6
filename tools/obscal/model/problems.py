"""Problems found in calibration files, and the collector that gathers all of a run's problems."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Problem:
    """One finding: where it is (file, line, key or JSON pointer), what is wrong and what to do."""

    file: str
    line: int | None
    severity: Severity
    code: str
    message: str
    pointer: str | None = None
    hint: str | None = None

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "line": self.line,
            "severity": self.severity.value,
            "code": self.code,
            "pointer": self.pointer,
            "message": self.message,
            "hint": self.hint,
        }


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

    def add(
        self,
        file: str | Path,
        severity: Severity,
        code: str,
        message: str,
        *,
        line: int | None = None,
        pointer: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.problems.append(Problem(str(file), line, severity, code, message, pointer, hint))

    def error(self, file: str | Path, code: str, message: str, **kw) -> None:
        self.add(file, Severity.ERROR, code, message, **kw)

    def warning(self, file: str | Path, code: str, message: str, **kw) -> None:
        self.add(file, Severity.WARNING, code, message, **kw)

    def info(self, file: str | Path, code: str, message: str, **kw) -> None:
        self.add(file, Severity.INFO, code, message, **kw)

    def _of(self, severity: Severity) -> list[Problem]:
        return sorted((p for p in self.problems if p.severity is severity), key=_sort_key)

    @property
    def errors(self) -> list[Problem]:
        return self._of(Severity.ERROR)

    @property
    def warnings(self) -> list[Problem]:
        return self._of(Severity.WARNING)

    @property
    def infos(self) -> list[Problem]:
        return self._of(Severity.INFO)

    @property
    def ok(self) -> bool:
        return not any(p.severity is Severity.ERROR for p in self.problems)
