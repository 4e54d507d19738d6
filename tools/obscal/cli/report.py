"""Print a :class:`Report` as text (for people), JSON (for programs) or GitHub workflow commands."""

from __future__ import annotations

import json
from typing import TextIO

from obscal.model.problems import Category, Problem, Report, Severity


def _where(p: Problem) -> str:
    return f"{p.file}:{p.line}" if p.line else p.file


def _text_line(p: Problem) -> str:
    key = f" [{p.pointer}]" if p.pointer else ""
    rule = f"/{p.rule}" if p.rule else ""
    out = f"{_where(p)}: {p.severity.value}: {p.message}{key} ({p.code.value}{rule})"
    if p.hint:
        out += f"\n    -> {p.hint}"
    return out


def write_text(report: Report, out: TextIO, verbose: bool = False, quiet: bool = False) -> None:
    """The report for people: errors, warnings, deprecations (information with ``verbose``; errors only
    with ``quiet``), then the counts by problem code and a summary line."""
    deprecated = report.of_category(Category.LIFECYCLE, Severity.INFO)
    sections = [("Errors", report.errors)]
    if not quiet:
        sections += [("Warnings", report.warnings), ("Deprecated", deprecated)]
    if verbose and not quiet:
        sections.append(("Information", [p for p in report.infos if p.code.category is not Category.LIFECYCLE]))
    for title, problems in sections:
        if problems:
            out.write(f"{title} ({len(problems)}):\n")
            for p in problems:
                out.write(_text_line(p) + "\n")
            out.write("\n")
    counts = _counts(report)
    if counts:
        out.write("By code: " + ", ".join(f"{name} {n}" for name, n in counts.items()) + "\n")
    status = "FAILED" if not report.ok else "OK"
    out.write(
        f"{status}: {report.files_checked} file(s) checked, {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s)" + (f", {len(deprecated)} deprecated" if deprecated else "") + "\n"
    )


def write_json(report: Report, out: TextIO, verbose: bool = False, quiet: bool = False) -> None:
    """The report as one JSON document."""
    json.dump(report_document(report), out, indent=2)
    out.write("\n")


def report_document(report: Report) -> dict:
    """The report as plain data (what ``--format json`` prints)."""
    return {
        "ok": report.ok,
        "files_checked": report.files_checked,
        "errors": [p.as_dict() for p in report.errors],
        "warnings": [p.as_dict() for p in report.warnings],
        "info": [p.as_dict() for p in report.infos],
        "deprecated": sorted({p.file for p in report.of_category(Category.LIFECYCLE, Severity.INFO)}),
        "counts": _counts(report),
    }


def _counts(report: Report) -> dict[str, int]:
    """How many problems of each code (and rule), errors and warnings only."""
    counts: dict[str, int] = {}
    for p in report.errors + report.warnings:
        name = f"{p.code.value}/{p.rule}" if p.rule else p.code.value
        counts[name] = counts.get(name, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def write_github(report: Report, out: TextIO, verbose: bool = False, quiet: bool = False) -> None:
    """``::error file=…,line=…,title=…::message`` lines that GitHub shows on the pull request."""
    for kind, problems in (("error", report.errors), ("warning", [] if quiet else report.warnings)):
        for p in problems:
            props = [f"file={_escape_property(p.file)}"]
            if p.line:
                props.append(f"line={p.line}")
            props.append(f"title={_escape_property('obscal ' + p.code.value)}")
            message = p.message + (f" [{p.pointer}]" if p.pointer else "") + (f" -- {p.hint}" if p.hint else "")
            out.write(f"::{kind} {','.join(props)}::{_escape_data(message)}\n")
    out.write(
        f"obscal: {report.files_checked} file(s) checked, {len(report.errors)} error(s), "
        f"{len(report.warnings)} warning(s)\n"
    )


WRITERS = {"text": write_text, "json": write_json, "github": write_github}
