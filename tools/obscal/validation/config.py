"""A data package's own settings for validation: tolerances, checks switched off, severities changed.

Read from ``obscal.toml`` or the ``[tool.obscal]`` table of ``pyproject.toml``, the first found in the
data root or a directory above it (up to the repository root)::

    [tool.obscal]
    package = "https://github.com/lsst/obs_example_data"  # stamped into FITS files (OBSCAL PACKAGE)
    ignore = ["unknown-key"]                 # problem codes or rules that are not reported
    severity = { "curve-above-100" = "info" } # a rule or code made an error, warning or info

    [tool.obscal.curves]                     # measured curves: how far past the ideal is noise
    above = 0.10                             # up to 110 % is a warning; beyond, an error
    below = 0.005                            # down to -0.5 % is a warning; beyond, an error

    [tool.obscal.instruments.LATISS.curves]  # the same, for one instrument
    above = 0.02

The command line adds ``--select`` (report only these) and ``--ignore``, as linters do. A selector
names a problem code (``curve``, ``unknown-key``) or a rule (``curve-above-100``); rules are listed in
the README.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from obscal.model.problems import ObscalError, Problem, Severity

#: Rules (finer than codes) that a package may tune, with what each is about.
RULES = {
    "curve-above-100": "a measured curve above 100 % within the noise tolerance",
    "curve-far-above-100": "a curve above 100 % beyond the tolerance: no measurement gives it",
    "curve-below-0": "a curve slightly below 0 within the noise tolerance",
    "curve-far-below-0": "a curve below 0 beyond the tolerance",
    "curve-percent-as-fraction": "values near 80 in a column declared as a fraction: percent in the wrong unit",
}


@dataclass(frozen=True)
class CurveTolerance:
    """How far past [0, 1] measurement noise may take a curve (fractions: 0.10 is 10 %)."""

    above: float = 0.10
    below: float = 0.005


@dataclass(frozen=True)
class Config:
    """Validation settings of one data package (and of the command line)."""

    curves: CurveTolerance = CurveTolerance()
    instruments: dict[str, CurveTolerance] = field(default_factory=dict)
    ignore: frozenset[str] = frozenset()
    select: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    #: The package's identity (a URL or a name), stamped into FITS files instead of any clone's remote.
    package: str = ""
    source: Path | None = None

    def curves_for(self, instrument: str) -> CurveTolerance:
        """The curve tolerances of an instrument (its own table, else the package's)."""
        folded = {k.lower(): v for k, v in self.instruments.items()}
        return folded.get(instrument.lower(), self.curves)

    def with_selectors(self, select: list[str] | None = None, ignore: list[str] | None = None) -> Config:
        """These settings with the command line's ``--select``/``--ignore`` added."""
        return replace(self, select=self.select | frozenset(select or ()), ignore=self.ignore | frozenset(ignore or ()))

    def apply(self, problems: list[Problem]) -> list[Problem]:
        """The problems as the package wants them reported: ignored ones out, severities changed."""
        out = []
        for p in problems:
            names = {p.code.value, *([p.rule] if p.rule else [])}
            if names & self.ignore or (self.select and not names & self.select):
                continue
            changed = next((self.severity[n] for n in (p.rule, p.code.value) if n and n in self.severity), None)
            out.append(replace(p, severity=changed) if changed is not None else p)
        return out


def load(start: Path) -> Config:
    """The settings that apply to the data under ``start`` (defaults when no file sets any).

    Raises
    ------
    ObscalError
        A settings file that is not valid TOML or holds an unknown key or value.
    """
    here = (start if start.is_dir() else start.parent).absolute()
    for directory in [here, *here.parents]:
        for name, table in (("obscal.toml", ()), ("pyproject.toml", ("tool", "obscal"))):
            path = directory / name
            if path.is_file():
                data = _read(path)
                for key in table:
                    data = data.get(key, {}) if isinstance(data, dict) else {}
                if data or name == "obscal.toml":
                    return _parse(data, path)
        if (directory / ".git").exists():
            break
    return Config()


def _read(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
        raise ObscalError(f"{path}: not valid TOML ({exc})") from None


def _parse(data: dict, path: Path) -> Config:
    known = {"package", "ignore", "select", "severity", "curves", "instruments"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ObscalError(f"{path}: unknown setting {unknown[0]!r} (known: {', '.join(sorted(known))})")
    severity = {}
    for name, value in (data.get("severity") or {}).items():
        if value not in {s.value for s in Severity}:
            raise ObscalError(f"{path}: severity of {name!r} must be error, warning or info, not {value!r}")
        severity[name] = Severity(value)
    curves = _curves(data.get("curves") or {}, path, CurveTolerance())
    return Config(
        curves=curves,
        instruments={
            name: _curves((table or {}).get("curves") or {}, path, curves)
            for name, table in (data.get("instruments") or {}).items()
        },
        ignore=frozenset(_strings(data.get("ignore", []), path, "ignore")),
        select=frozenset(_strings(data.get("select", []), path, "select")),
        severity=severity,
        package=_package(data.get("package", ""), path),
        source=path,
    )


def _package(value: Any, path: Path) -> str:
    if not isinstance(value, str) or "@" in value.split("/")[0].split("://")[-1]:
        raise ObscalError(f"{path}: package must be a name or a URL without credentials")
    return value


def _curves(table: dict[str, Any], path: Path, base: CurveTolerance) -> CurveTolerance:
    unknown = sorted(set(table) - {"above", "below"})
    if unknown:
        raise ObscalError(f"{path}: unknown curve setting {unknown[0]!r} (known: above, below)")
    values = {}
    for key in ("above", "below"):
        if key in table:
            value = table[key]
            if not isinstance(value, int | float) or not 0 <= value < 1:
                raise ObscalError(f"{path}: curves.{key} must be a fraction between 0 and 1, not {value!r}")
            values[key] = float(value)
    return replace(base, **values)


def _strings(value: Any, path: Path, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ObscalError(f"{path}: {key} must be a list of problem codes or rules")
    return value
