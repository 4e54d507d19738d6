"""The ``obscal`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from obscal._version import __version__
from obscal.cli import options
from obscal.cli.options import EXIT_CODES
from obscal.model.problems import ObscalError, ParseError, Report
from obscal.validation.config import Config

if TYPE_CHECKING:
    from obscal.ops.results import OperationResult

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3


def _default_data() -> list[str]:
    """``obs_data`` of the repository (or directory tree) the command is run in, from any directory in it."""
    return [str(_data_root())]


def _root(args: argparse.Namespace) -> str:
    """``--root``, or the ``obs_data`` of the repository the command is run in."""
    return args.root or str(_data_root())


def _data_root() -> Path:
    here = Path.cwd()
    for directory in [here, *here.parents]:
        if (directory / "obs_data").is_dir():
            found = directory / "obs_data"
            return found.relative_to(here) if directory == here else found
        if (directory / ".git").exists():
            break
    return Path("obs_data")


def cmd_validate(args: argparse.Namespace) -> int:
    """``obscal validate``."""
    from obscal.cli.report import WRITERS
    from obscal.validation.validator import Validator, display

    paths = args.paths or _default_data()
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise ObscalError(f"no such file or directory: {', '.join(missing)}")
    validator = Validator(args.profile, config=_config(paths, args), jobs=options.jobs_of(args))
    validator.calibrations_only = args.calibrations_only
    if args.changed_since:
        from obscal.validation.edits import changed_files, check_recorded_edits

        given = [Path(p) for p in (args.paths or [])]
        targets = given or changed_files([Path(p) for p in paths], args.changed_since)
        if not targets:
            print(f"no calibration file changed since {args.changed_since}", file=sys.stderr)
            return EXIT_OK
        result = validator.run([t for t in targets if t.exists()], progress=_progress(args))
        check_recorded_edits([t for t in targets if t.is_file()], args.changed_since, result.report, display)
        result.report.problems = validator.config.apply(result.report.problems)
    else:
        result = validator.run(paths, progress=_progress(args))
    WRITERS[args.format](result.report, sys.stdout, verbose=args.verbose, quiet=args.quiet)
    return _status(result.report, args)


def _config(paths: list[str], args: argparse.Namespace) -> Config:
    """The package's settings with the command line's selectors."""
    from obscal.validation.config import load

    return load(Path(paths[0])).with_selectors(args.select, args.ignore)


def _status(report: Report, args: argparse.Namespace) -> int:
    """0, 1, or 3 when obscal met a bug in one of the files (after every other file's report was printed)."""
    if report.internal_errors:
        if getattr(args, "traceback", False):
            for text in report.tracebacks:
                print(text, file=sys.stderr, end="")
        print(
            f"obscal: internal error on {len(report.internal_errors)} file(s): a bug in obscal {__version__}; "
            "please report it with the output of --traceback",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _progress(args: argparse.Namespace):
    """A one-line progress report on stderr for a terminal, else None.

    Shown once a run has lasted ``OBSCAL_PROGRESS_DELAY`` seconds (default 2), so short runs print nothing;
    redrawn at most ten times a second and erased when a phase ends.
    """
    if getattr(args, "quiet", False) or getattr(args, "format", "text") != "text" or not sys.stderr.isatty():
        return None
    import time

    try:
        delay = float(os.environ.get("OBSCAL_PROGRESS_DELAY", "2"))
    except ValueError:
        delay = 2.0
    started = time.monotonic()
    state = {"drawn": 0.0, "shown": False}

    def tell(phase: str, done: int, total: int) -> None:
        now = time.monotonic()
        finished = done >= total
        if now - started < delay or (not finished and now - state["drawn"] < 0.1):
            return
        if finished:
            if state["shown"]:
                sys.stderr.write("\r\x1b[K")  # erase the line: the report that follows stands alone
                sys.stderr.flush()
            state["shown"] = False
            return
        width = shutil.get_terminal_size((100, 20)).columns
        text = f"{phase}: {done}/{total} files ({100 * done // max(total, 1)} %)"
        sys.stderr.write("\r" + text[: width - 1] + "\x1b[K")
        sys.stderr.flush()
        state["drawn"], state["shown"] = now, True

    return tell


def _print_result(result: OperationResult, verb: str, out: str, args: argparse.Namespace) -> int:
    """What an operation did. ``--format json``: one JSON document on stdout, every note on stderr."""
    from obscal.cli.report import WRITERS, report_document

    fmt = args.format
    if fmt == "json":
        doc = {
            **report_document(result.report),
            "written": [str(p) for p in result.written],
            "skipped": [{"source": source, "why": why} for source, why in result.skipped],
        }
        print(json.dumps(doc, indent=2))
    else:
        for source, why in result.skipped:
            print(f"{source}: skipped: {why}", file=sys.stderr)
        if not result.report.ok or result.report.warnings or fmt != "text":
            WRITERS[fmt](
                result.report, sys.stdout if fmt != "text" else sys.stderr, verbose=args.verbose, quiet=args.quiet
            )
    if result.report.ok:
        print(f"{verb} {len(result.written)} file(s) into {out}", file=sys.stderr if fmt == "json" else sys.stdout)
        return EXIT_OK
    print(f"nothing written to {out}", file=sys.stderr)
    return _status(result.report, args)


def cmd_convert(args: argparse.Namespace) -> int:
    """``obscal convert``."""
    from obscal.ops.convert import convert

    if args.rev and args.allow_dirty:
        raise ObscalError("--allow-dirty does not go with --rev: a revision has no uncommitted changes")
    paths = args.paths or _default_data()
    result = convert(
        paths, args.out, profile=args.profile, rev=args.rev, allow_dirty=args.allow_dirty, config=_config(paths, args),
        progress=_progress(args), jobs=options.jobs_of(args),
    )  # fmt: skip
    return _print_result(result, "converted", args.out, args)


def cmd_totext(args: argparse.Namespace) -> int:
    """``obscal totext``."""
    from obscal.ops.totext import totext

    return _print_result(totext(args.paths, args.out), "wrote", args.out, args)


def cmd_lookup(args: argparse.Namespace) -> int:
    """``obscal lookup``."""
    from obscal.cli.views import answer_text
    from obscal.ops.lookup import lookup

    record, warnings = lookup(
        _root(args), args.instrument, args.type, args.date, args.detector, args.filter, args.as_of, args.butler
    )
    for warning in warnings:
        print(f"obscal: warning: {warning}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(record, indent=2))
    else:
        print(answer_text(record), end="")
    if record.get("butler") is not None and not record["butler"]["agrees"]:
        return EXIT_PROBLEMS
    return EXIT_OK if record["found"] else EXIT_PROBLEMS


def cmd_timeline(args: argparse.Namespace) -> int:
    """``obscal timeline``."""
    from obscal.cli.views import timeline_text
    from obscal.ops.lookup import timeline

    rows, warnings = timeline(_root(args), args.instrument, args.type, args.as_of, args.detector)
    for warning in warnings:
        print(f"obscal: warning: {warning}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        print(timeline_text(rows), end="")
    return EXIT_OK


def cmd_deprecate(args: argparse.Namespace) -> int:
    """``obscal deprecate``."""
    from obscal.ops.deprecate import deprecate, gap_left

    written = deprecate(args.path, args.reason, superseded_by=args.superseded_by, author=args.author)
    print(f"deprecated {args.path}: recorded in {written[0]}")
    gap = gap_left(args.path)
    if gap is not None:
        print(f"note: {gap}", file=sys.stderr)
    for other in written[1:]:
        print(f"re-pointed {other} to the new replacement")
    print(f"commit it: git add {' '.join(str(p) for p in written)} && git commit")
    return EXIT_OK


def cmd_certify(args: argparse.Namespace) -> int:
    """``obscal certify``."""
    from obscal.cli.report import WRITERS
    from obscal.ops.certify import certify

    result = certify(
        args.source,
        instrument=args.instrument,
        calib_type=args.type,
        detector=args.detector,
        filter=args.filter,
        valid_start=args.valid_start,
        valid_end=args.valid_end,
        reason=args.reason,
        author=args.author,
        root=_root(args),
        provenance_file=args.provenance,
    )
    if not result.report.ok or result.report.warnings:
        WRITERS["text"](result.report, sys.stderr)
    if not result.ok:
        print("refused: nothing was written", file=sys.stderr)
        return _status(result.report, args)
    print(f"certified {args.source} as {result.written[0]}")
    for extra in result.written[1:]:
        print(f"  with {extra}")
    for note in result.notes:
        print(f"  note: {note}")
    print(f"commit it: git add {' '.join(str(p) for p in result.written)} && git commit")
    return EXIT_OK


def cmd_upgrade(args: argparse.Namespace) -> int:
    """``obscal upgrade``."""
    from obscal.cli.report import WRITERS, report_document
    from obscal.ops.upgrade import upgrade

    paths = args.paths or _default_data()
    result = upgrade(paths, dry_run=args.dry_run, author=args.author)
    changed = [f for f in result.files if f.changes and f.text is not None]
    if args.format == "json":
        doc = {
            **report_document(result.report),
            "dry_run": result.dry_run,
            "files": [f.as_dict() for f in result.files if f.changes],
            "written": [str(p) for p in result.written],
            "left": result.left,
        }
        print(json.dumps(doc, indent=2))
    else:
        for plan in changed:
            print(f"{plan.path}:")
            for key, value in plan.added.items():
                print(f"  + {key}: {json.dumps(value)}  ({plan.sources[key]})")
            for key in plan.removed:
                print(f"  - {key}")
            print(f"  + EDIT_HISTORY: {plan.record}")
        if result.left:
            print("Left to do:")
            for item in result.left:
                print(f"  * {item}")
        if not result.report.ok:
            WRITERS["text"](result.report, sys.stderr)
    unchanged = sum(1 for f in result.files if not f.changes)
    if not result.report.ok:
        print("refused: nothing was written", file=sys.stderr)
        return _status(result.report, args)
    verb = "would upgrade" if args.dry_run else "upgraded"
    print(f"{verb} {len(changed)} file(s); {unchanged} already had every key", file=sys.stderr)
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    """``obscal export``."""
    from obscal.ops.export import export

    paths = args.paths or _default_data()
    result = export(
        paths, args.out, instruments=args.instrument, rev=args.rev, label=args.label, progress=_progress(args),
        jobs=options.jobs_of(args),
    )  # fmt: skip
    status = _print_result(result, "exported", args.out, args)
    if result.ok and args.format != "json":
        intervals = len(result.rows)
        datasets = len({r["dataset_id"] for r in result.rows})
        print(f"  {datasets} dataset(s), {intervals} certified interval(s); manifest.json, export.yaml, SHA256SUMS")
    return status


def cmd_ingest(args: argparse.Namespace) -> int:
    """``obscal ingest``."""
    from obscal.ops.ingest import ingest

    plan = ingest(
        args.bundle, args.butler, create=args.create, registry=args.registry, namespace=args.namespace,
        dry_run=args.dry_run,
    )  # fmt: skip
    for note in plan.notes:
        print(f"obscal: note: {note}", file=sys.stderr)
    if args.format == "json":
        print(json.dumps(plan.as_dict(), indent=2))
    if plan.conflicts:
        for conflict in plan.conflicts:
            print(f"{args.butler}: error: {conflict}", file=sys.stderr)
        print("refused: nothing was written to the repository", file=sys.stderr)
        return EXIT_PROBLEMS
    if args.format == "json":
        return EXIT_OK
    verb = "would" if args.dry_run else "did"
    if plan.nothing_to_do:
        print(f"nothing to do: {args.butler} already holds this bundle")
        _print_certified(plan)
        return EXIT_OK
    if plan.create:
        print(f"{verb} create {plan.create}")
    print(
        f"{verb} import {len(plan.imports)} dataset(s) (reusing {plan.reused}), insert "
        f"{len(plan.dimensions)} dimension record(s), certify {len(plan.certify)} interval(s), "
        f"decertify {len(plan.decertify)}"
    )
    for line in plan.chains:
        print(f"  chain {line}")
    if args.verbose:
        for item in plan.decertify:
            print(f"  decertify {item[0]} {item[1]} [{item[2]}, {item[3] or 'open'}) TAI")
        for item in plan.certify:
            print(f"  certify {item[0]} {item[1]} [{item[2]}, {item[3] or 'open'}) TAI")
    _print_certified(plan)
    return EXIT_OK


def _print_certified(plan) -> None:
    for inst, counts in plan.certified.items():
        listed = ", ".join(f"{t} {n}" for t, n in counts.items())
        print(f"certified in {inst}/calib/curated: {sum(counts.values())} interval(s) ({listed})")


def cmd_record(args: argparse.Namespace) -> int:
    """``obscal record``."""
    from obscal.cli.report import WRITERS
    from obscal.ops.record import record

    result = record(args.paths, args.reason, author=args.author)
    if not result.ok:
        WRITERS["text"](result.report, sys.stderr)
        print("refused: nothing was written", file=sys.stderr)
        return _status(result.report, args)
    for path in result.written:
        print(f"recorded in {path}")
    for note in result.notes:
        print(f"  {note}")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """``obscal diff``."""
    from obscal.ops.diff import as_text, diff

    revs = list(args.revs)
    paths = args.paths or _default_data()
    result = diff(paths, revs[0] if revs else None, revs[1] if len(revs) > 1 else None)
    sys.stdout.write(as_text(result, markdown=args.format == "markdown"))
    return EXIT_OK


def cmd_textconv(args: argparse.Namespace) -> int:
    """``obscal textconv``."""
    from obscal.ops.textconv import textconv

    sys.stdout.write(textconv(args.file))
    return EXIT_OK


def cmd_plot(args: argparse.Namespace) -> int:
    """``obscal plot``."""
    from obscal.ops.plot import plot

    print(f"wrote {plot(args.path, args.out, vs=args.vs)}")
    return EXIT_OK


def cmd_new(args: argparse.Namespace) -> int:
    """``obscal new``."""
    from obscal.cli.report import WRITERS
    from obscal.ops.new import new

    result = new(
        args.type, instrument=args.instrument, valid_start=args.valid_start, root=_root(args), detector=args.detector,
        filter=args.filter, author=args.author, reason=args.reason,
    )  # fmt: skip
    if not result.report.ok or result.report.warnings:
        WRITERS["text"](result.report, sys.stderr)
    if not result.ok:
        print("refused: nothing was written", file=sys.stderr)
        return _status(result.report, args)
    print(f"wrote {result.written[0]}")
    for note in result.notes:
        print(f"  note: {note}")
    print(f"edit its values, then: git add {result.written[0]} && git commit")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (options shared through :mod:`obscal.cli.options`)."""
    from obscal.model import registry

    types = sorted(registry.load_types())
    parser = argparse.ArgumentParser(
        prog="obscal", description="Curated calibrations: validate, convert, certify, look up.", epilog=EXIT_CODES
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--traceback", action="store_true", help="show the Python traceback of an internal error")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--traceback", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    def command(name: str, summary: str, description: str, exits: str) -> argparse.ArgumentParser:
        """A subcommand whose help states its exit codes, accepting --traceback after the command too."""
        text = f"{description} Exit 0: {exits}; 2: usage problem; 3: a bug in obscal (--traceback)."
        return sub.add_parser(name, parents=[common], help=summary, description=text)

    p = command(
        "validate",
        "check calibration files against their schemas, the layout and the camera",
        "Check calibration files (ECSV/YAML) against their JSON Schemas, the layout "
        "convention and the camera description.",
        "no error; 1: errors found",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: the repository's obs_data)")
    options.add_profile(p)
    options.add_selectors(p)
    options.add_format(p)
    options.add_verbose(p)
    options.add_jobs(p)
    p.add_argument(
        "--changed-since", metavar="REV",
        help="check the calibration files changed since this git revision (or the PATHs given) and that "
        "every changed one has a new edit record (CI: the pull request's base; the hook: HEAD)",
    )  # fmt: skip
    p.add_argument(
        "--calibrations-only", action="store_true",
        help="skip given files that are not in a calibration's place (a hook's list of staged files)",
    )  # fmt: skip
    p.set_defaults(func=cmd_validate)

    p = command(
        "convert",
        "convert calibrations to FITS in the LSST layout, stamped with git provenance",
        "Validate, then write one FITS file per calibration (empty primary HDU, one binary "
        "table per table, metadata in each table header) into a tree mirroring the data package, "
        "stamped with the commit SHA1, the file's git history and edit records, VALIDSTART/VALIDEND "
        "and the construction provenance. Writes every file or none.",
        "converted; 1: refused (problems listed)",
    )
    p.add_argument("paths", nargs="*", metavar="SRC", help="files or directories (default: the repository's obs_data)")
    options.add_out(p)
    options.add_profile(p)
    options.add_selectors(p)
    p.add_argument("--rev", metavar="REV", help="convert the package as it is at this git revision (no checkout)")
    p.add_argument(
        "--allow-dirty",
        action="store_true",
        help="convert files with uncommitted changes too, stamping them OBSCAL GIT_DIRTY = T",
    )
    options.add_format(p)
    options.add_verbose(p)
    options.add_jobs(p)
    p.set_defaults(func=cmd_convert)

    p = command(
        "totext",
        "convert FITS calibrations back to ECSV/YAML",
        "Read FITS calibrations in the LSST layout (written by obscal or other software) and "
        "write their text form into a tree mirroring the data package, under the file name they came "
        "from; obscal's stamps go to <validStart>.stamps.yaml beside each file. Writes every file or none.",
        "written; 1: refused (problems listed)",
    )
    p.add_argument("paths", nargs="+", metavar="FITS", help="FITS files or directories")
    options.add_out(p)
    options.add_format(p)
    options.add_verbose(p)
    p.set_defaults(func=cmd_totext)

    p = command(
        "lookup",
        "which calibration was valid at an instant",
        "Print the calibration valid at an instant (path, validity range, last commit, edit "
        "records), or why none is (before the first range, in a gap, deprecated, after an explicit end). "
        "Dates are ISO-8601 in UTC unless a time scale follows (2024-06-15T12:00:37 TAI) or an offset is "
        "given; MJD 60476.5 works too. With --butler REPO, also what that butler returns at the same instant "
        "(read back from its file) and whether it is the same calibration.",
        "found (and the butler agrees); 1: none valid, or the butler disagrees",
    )
    options.add_identity(p, types)
    p.add_argument("--date", required=True, metavar="DATE", help="the instant, e.g. 2024-07-01T12:00:00")
    options.add_root(p)
    options.add_as_of(p)
    p.add_argument("--butler", metavar="REPO", help="also ask this butler repository (needs obscal[butler])")
    options.add_format(p, ("text", "json"))
    p.set_defaults(func=cmd_lookup)

    p = command(
        "timeline",
        "print the validity ranges of an instrument's calibrations",
        "One row per file (and per gap), grouped by type, detector and filter: start, end, "
        "file, and notes (explicit VALIDEND, deprecated, covered by a replacement).",
        "printed",
    )
    p.add_argument("--instrument", required=True, help="instrument directory")
    p.add_argument("--type", choices=types, metavar="TYPE", help="only this calibration type: " + ", ".join(types))
    p.add_argument("--detector", metavar="ID|NAME", help="only this detector (id or name)")
    options.add_root(p)
    options.add_as_of(p)
    options.add_format(p, ("text", "json"))
    p.set_defaults(func=cmd_timeline)

    p = command(
        "deprecate",
        "mark a calibration as not to be used (kept in the package, left out of lookup and export)",
        "Write <validStart>.deprecated.yaml beside the file: who, when, why and the replacement. "
        "The file stays (history remains reproducible); lookups and exports leave it out and its interval "
        "becomes a gap unless --superseded-by names a file of the same directory to cover it.",
        "recorded",
    )
    p.add_argument("path", metavar="PATH", help="the calibration file")
    p.add_argument("--reason", required=True, help="why it must no longer be used")
    p.add_argument("--superseded-by", metavar="PATH", help="replacement in the same directory (path or file name)")
    p.add_argument("--author", help="who deprecates it (default: git config user.name)")
    p.set_defaults(func=cmd_deprecate)

    p = command(
        "certify",
        "bring a calibration made elsewhere into the package with a validity range",
        "Read SRC (ECSV/YAML/JSON, or FITS in the LSST layout), fill every DMTN-148 keyword for "
        "its place (identity from the camera, CALIBDATE = --valid-start, VALIDEND = --valid-end), add an "
        "edit record, validate it with the strict profile and write it to "
        "<root>/<instrument>/<type>/[<detector>/][<filter>/]<validStart>.<ext> with its provenance sidecar. "
        "Refuses to overwrite and refuses a range that conflicts with its neighbours; writes nothing then. ",
        "written; 1: refused (problems listed)",
    )
    p.add_argument("source", metavar="SRC", help="the calibration to certify")
    options.add_identity(p, types)
    p.add_argument("--valid-start", required=True, metavar="DATE", help="validity start, UTC unless a scale is given")
    p.add_argument(
        "--valid-end", metavar="DATE", help="deliberate end of validity (exclusive); default: the next file's start"
    )
    p.add_argument("--reason", required=True, help="why it is certified: becomes the edit record")
    p.add_argument("--author", help="who certifies it (default: git config user.name)")
    p.add_argument(
        "--provenance",
        metavar="FILE",
        help="provenance YAML (default: SRC's own <stem>.provenance.yaml, or what a FITS SRC carries)",
    )
    options.add_root(p)
    p.set_defaults(func=cmd_certify)

    p = command(
        "upgrade",
        "fill the DMTN-148 keys a compat package lacks, so that it passes strict",
        "Rewrite the calibration files under PATH so that they pass the strict profile: every missing "
        "DMTN-148 keyword filled from the path, the file name, the camera description and git history "
        "(creation date), legacy layouts moved to the current schema where the move is exact (defects 1.0 "
        "-> 2.0), one edit record per file; values unchanged (each new text is read back and compared). "
        "Files in error under compat are refused; all files are written or none. Lists what is left to do "
        "by hand (a camera description the package keeps in code).",
        "upgraded (or nothing to do); 1: refused (problems listed)",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: the repository's obs_data)")
    p.add_argument("--dry-run", action="store_true", help="print what would change; write nothing")
    p.add_argument("--author", help="who upgrades (default: git config user.name)")
    options.add_format(p, ("text", "json"))
    p.set_defaults(func=cmd_upgrade)

    p = command(
        "new",
        "write a valid calibration to edit, at the right path, for a new validity start",
        "Start a new epoch: the calibration of that type valid at DATE (else the latest) is the template; "
        "its identity for the new place comes from the camera description, its edit history starts with "
        "one record, and it is validated (strict) and checked against its neighbours before it is written "
        "to <root>/<instrument>/<type>/[<detector>/][<filter>/]<validStart>.<ext>.",
        "written; 1: refused (problems listed)",
    )
    p.add_argument("type", choices=types, metavar="TYPE", help="calibration type: " + ", ".join(types))
    p.add_argument("--instrument", required=True, help="instrument directory, e.g. ExampleCam")
    p.add_argument("--detector", metavar="ID|NAME", help="detector id or name (per-detector types)")
    p.add_argument("--filter", help="physical filter (per-filter types)")
    p.add_argument("--valid-start", required=True, metavar="DATE", help="validity start, UTC unless a scale is given")
    p.add_argument("--author", help="who starts it (default: git config user.name)")
    p.add_argument("--reason", help="the first edit record (default: says it is a template to edit)")
    options.add_root(p)
    p.set_defaults(func=cmd_new)

    p = command(
        "record",
        "append a manual-edit record (date, author, reason) to calibration files",
        "Append '<YYYY-MM-DDTHH:MM:SSZ> | <author> | <reason>' to the EDIT_HISTORY of each file, keeping every "
        "value (read back and compared); all files are written or none. A commit that changes a calibration "
        "needs one (the pre-commit hook and validate --changed-since check it).",
        "recorded; 1: refused (problems listed)",
    )
    p.add_argument("paths", nargs="+", metavar="PATH", help="the calibration files edited")
    p.add_argument("--reason", required=True, help="what changed and why")
    p.add_argument("--author", help="who edited (default: git config user.name)")
    p.set_defaults(func=cmd_record)

    p = command(
        "diff",
        "what changed between two revisions, in physical terms",
        "Files added, removed and renamed; per changed calibration the metadata keys, new edit records, "
        "validity, defects boxes added/removed (count, area, region), the largest crosstalk change and its "
        "amplifier pair, the largest curve change and its wavelength. REV1 defaults to the merge base with "
        "main, REV2 to the working tree.",
        "printed",
    )
    p.add_argument("revs", nargs="*", metavar="REV", help="REV1 [REV2] (at most two)", default=[])
    p.add_argument("--path", dest="paths", action="append", metavar="PATH", help="only under this path")
    p.add_argument("--format", choices=("text", "markdown"), default="text")
    p.set_defaults(func=cmd_diff)

    p = command(
        "plot",
        "draw a calibration (or an instrument's validity timeline) as a PNG; needs obscal[plot]",
        "Defects on the detector outline with amplifier boundaries, the crosstalk matrix as a heat map, "
        "QE/transmission curves per amplifier, linearity curves, kernel images; a directory "
        "<root>/<instrument> draws its validity timeline. --vs REV draws the earlier version too (removed "
        "boxes, dashed curves, the change of a matrix or kernel).",
        "written",
    )
    p.add_argument("path", metavar="PATH", help="a calibration file, or an instrument directory")
    p.add_argument("-o", "--out", required=True, metavar="FILE.png")
    p.add_argument("--vs", metavar="REV", help="draw the version at this git revision too")
    p.set_defaults(func=cmd_plot)

    p = command(
        "textconv",
        "print a calibration as aligned text (a git diff driver)",
        "One metadata key per line, tables aligned, flattened square matrices as matrix rows; with "
        "'*.ecsv diff=obscal' in .gitattributes and 'git config diff.obscal.textconv \"obscal textconv\"', "
        "git diff shows calibrations this way.",
        "printed",
    )
    p.add_argument("file", metavar="FILE")
    p.set_defaults(func=cmd_textconv)

    p = command(
        "export",
        "write a certified bundle: FITS files, manifests and the butler's export.yaml",
        "Validate and convert the package, then write a bundle to --out: the FITS tree, manifest.json and "
        "manifest.ecsv (one row per certified interval), export.yaml in the LSST butler's import format "
        "(bounds in TAI), a README and SHA256SUMS. Built beside --out and put in place when complete; the "
        "same commit gives byte-identical bundles.",
        "exported; 1: refused (problems listed)",
    )
    p.add_argument("paths", nargs="*", metavar="SRC", help="the data package (default: the repository's obs_data)")
    options.add_out(p)
    p.add_argument("--instrument", action="append", metavar="I", help="only this instrument directory (repeatable)")
    p.add_argument("--rev", metavar="REV", help="export the package as it is at this git revision")
    p.add_argument("--label", help="label of the RUN collections (default: the commit's first 12 digits)")
    options.add_format(p, ("text", "json"))
    options.add_verbose(p)
    options.add_jobs(p)
    p.set_defaults(func=cmd_export)

    p = command(
        "ingest",
        "ingest a bundle into an LSST data butler (safe to repeat; needs obscal[butler])",
        "Bring a butler repository to the state of a bundle: import only datasets it does not hold, refuse "
        "conflicting dimension records or RUN contents (writing nothing), then in one transaction decertify "
        "what the bundle no longer certifies and certify what is missing, and prepend the CALIBRATION "
        "collection to <instrument>/calib keeping the chain's other children.",
        "ingested or nothing to do; 1: refused (conflicts listed)",
    )
    p.add_argument("bundle", metavar="BUNDLE", help="a directory written by obscal export")
    p.add_argument("--butler", required=True, metavar="REPO", help="the butler repository")
    p.add_argument(
        "--create", action="store_true", help="make the repository when it does not exist (SQLite unless --registry)"
    )
    p.add_argument("--registry", metavar="URL", help="with --create: a PostgreSQL registry, postgresql://…")
    p.add_argument("--namespace", help="with --registry: the database schema for the registry's tables")
    p.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    options.add_format(p, ("text", "json"))
    p.add_argument("-v", "--verbose", action="store_true", help="list every certification change")
    p.set_defaults(func=cmd_ingest)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one ``obscal`` command; return its exit status (0 ok, 1 data problems, 2 usage, 3 internal error)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main_thread else None
    try:
        return _run(args)
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run(args: argparse.Namespace) -> int:
    """Call the command; turn what it raises into the exit status and one line on stderr."""
    try:
        return args.func(args)
    except _Terminated:
        print("obscal: terminated; nothing was left half-written", file=sys.stderr)
        return 143
    except ObscalError as exc:
        print(f"obscal: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ParseError as exc:  # a data file an operation needed cannot be read (a camera description, say)
        where = f"{exc.path}: " if getattr(exc, "path", None) else ""
        print(f"obscal: error: {where}{exc.message}" + (f" ({exc.hint})" if exc.hint else ""), file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("obscal: interrupted; nothing was left half-written", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (obscal ... | head): end quietly, without a second error at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    except Exception as exc:
        if args.traceback:
            traceback.print_exc()
        else:
            print(
                f"obscal: internal error: {type(exc).__name__}: {exc} -- this is a bug in obscal {__version__}; "
                "please report it with the output of --traceback",
                file=sys.stderr,
            )
        return EXIT_INTERNAL


class _Terminated(Exception):  # noqa: N818 - a signal, not an error
    """SIGTERM, raised where the process is so that every ``finally`` (staging clean-up) runs."""


def _terminate(signum: int, frame: object) -> None:
    raise _Terminated


if __name__ == "__main__":
    sys.exit(main())
