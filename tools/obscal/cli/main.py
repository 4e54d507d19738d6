"""The ``obscal`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from obscal.model.problems import ObscalError

if TYPE_CHECKING:
    from obscal.ops.convert import Result

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _default_data() -> list[str]:
    return ["obs_data"]


def cmd_validate(args: argparse.Namespace) -> int:
    from obscal.cli.report import WRITERS
    from obscal.validation.validator import validate

    paths = args.paths or _default_data()
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise ObscalError(f"no such file or directory: {', '.join(missing)}")
    report = validate(paths, profile=args.profile)
    WRITERS[args.format](report, sys.stdout, verbose=args.verbose)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _print_result(result: Result, verb: str, out: str, fmt: str, verbose: bool) -> int:
    from obscal.cli.report import WRITERS

    for source, why in result.skipped:
        print(f"{source}: skipped: {why}", file=sys.stderr)
    if not result.report.ok or result.report.warnings or fmt != "text":
        WRITERS[fmt](result.report, sys.stdout if fmt != "text" else sys.stderr, verbose=verbose)
    if result.report.ok:
        print(f"{verb} {len(result.written)} file(s) into {out}")
        return EXIT_OK
    print(f"nothing written to {out}", file=sys.stderr)
    return EXIT_PROBLEMS


def cmd_convert(args: argparse.Namespace) -> int:
    from obscal.ops.convert import convert

    result = convert(
        args.paths or _default_data(), args.out, profile=args.profile, rev=args.rev, allow_dirty=args.allow_dirty
    )
    return _print_result(result, "converted", args.out, args.format, args.verbose)


def cmd_totext(args: argparse.Namespace) -> int:
    from obscal.ops.convert import totext

    return _print_result(totext(args.paths, args.out), "wrote", args.out, args.format, args.verbose)


def cmd_lookup(args: argparse.Namespace) -> int:
    import json

    from obscal.model.instants import parse_instant
    from obscal.ops.lookup import answer_record, answer_text
    from obscal.store.package import Package

    moment = parse_instant(args.date)
    pkg = Package.open(args.root, rev=args.as_of)
    key = pkg.key(args.instrument, args.type, args.detector, args.filter, moment)
    record = answer_record(pkg, key, pkg.timeline(key).lookup(moment))
    _warn_unindexed(pkg, key)
    if args.format == "json":
        print(json.dumps(record, indent=2))
    else:
        print(answer_text(record), end="")
    return EXIT_OK if record["found"] else EXIT_PROBLEMS


def cmd_timeline(args: argparse.Namespace) -> int:
    import json

    from obscal.ops.lookup import timeline_rows, timeline_text
    from obscal.store.package import Package

    pkg = Package.open(args.root, rev=args.as_of)
    keys = pkg.groups(args.instrument, args.type)
    rows = timeline_rows(pkg, keys)
    for key in keys:
        _warn_unindexed(pkg, key)
    if args.format == "json":
        print(json.dumps(rows, indent=2))
    else:
        print(timeline_text(rows), end="")
    return EXIT_OK


def _warn_unindexed(pkg, key) -> None:
    """Files of the directory asked about that could not be fully indexed (the answer may be incomplete)."""
    prefix = "/".join(k for k in key if k) + "/"
    for rel, why in pkg.problems:
        if rel.startswith(prefix):
            print(f"obscal: warning: {pkg.root / rel}: {why} (run obscal validate)", file=sys.stderr)


def cmd_deprecate(args: argparse.Namespace) -> int:
    from obscal.store.deprecation import deprecate

    written = deprecate(args.path, args.reason, superseded_by=args.superseded_by, author=args.author)
    print(f"deprecated {args.path}: recorded in {written[0]}")
    for other in written[1:]:
        print(f"re-pointed {other} to the new replacement")
    print(f"commit it: git add {' '.join(str(p) for p in written)} && git commit")
    return EXIT_OK


def cmd_certify(args: argparse.Namespace) -> int:
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
        root=args.root,
        provenance_file=args.provenance,
    )
    if not result.report.ok or result.report.warnings:
        WRITERS["text"](result.report, sys.stderr)
    if not result.ok:
        print("refused: nothing was written", file=sys.stderr)
        return EXIT_PROBLEMS
    print(f"certified {args.source} as {result.written[0]}")
    for extra in result.written[1:]:
        print(f"  with {extra}")
    for note in result.notes:
        print(f"  note: {note}")
    print(f"commit it: git add {' '.join(str(p) for p in result.written)} && git commit")
    return EXIT_OK


def _add_identity_args(p: argparse.ArgumentParser) -> None:
    """Which directory of the package: instrument, type, and detector/filter where the type has them."""
    p.add_argument("--instrument", required=True, help="instrument directory, e.g. ExampleCam")
    p.add_argument("--type", required=True, help="calibration type, e.g. defects")
    p.add_argument("--detector", metavar="ID|NAME", help="detector id or name (per-detector types)")
    p.add_argument("--filter", help="physical filter (per-filter types)")


def _add_package_args(p: argparse.ArgumentParser, *, as_of: bool = True) -> None:
    p.add_argument("--root", default="obs_data", metavar="DIR", help="the data package (default: obs_data)")
    if as_of:
        p.add_argument(
            "--as-of",
            metavar="REV",
            help="answer from the package as it stood at this git revision or tag (read from git, no checkout)",
        )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="obscal", description="Curated calibrations: validate, convert, export.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "validate",
        help="check calibration files against their schemas, the layout and the camera",
        description="Check calibration files (ECSV/YAML) against their JSON Schemas, the layout "
        "convention and the camera description. Exit 0: no error; 1: errors found; 2: usage problem.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or directories (default: obs_data)")
    p.add_argument(
        "--profile",
        choices=("strict", "compat"),
        default="strict",
        help="strict (default): every DMTN-148 keyword and an edit history; compat: what the LSST "
        "pipelines accept today",
    )
    p.add_argument("--format", choices=("text", "json", "github"), default="text", help="output format")
    p.add_argument("-v", "--verbose", action="store_true", help="also print information notes")
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser(
        "convert",
        help="convert calibrations to FITS in the LSST layout, stamped with git provenance",
        description="Validate, then write one FITS file per calibration (empty primary HDU, one binary "
        "table per table, metadata in each table header) into a tree mirroring the data package, "
        "stamped with the commit SHA1, the file's git history and edit records, VALIDSTART/VALIDEND "
        "and the construction provenance. Writes every file or none. Exit 0: converted; 1: refused "
        "(problems listed); 2: usage problem.",
    )
    p.add_argument("paths", nargs="*", metavar="SRC", help="files or directories (default: obs_data)")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--profile", choices=("strict", "compat"), default="strict", help="validation profile")
    p.add_argument("--rev", metavar="REV", help="convert the package as it is at this git revision (no checkout)")
    p.add_argument(
        "--allow-dirty",
        action="store_true",
        help="convert files with uncommitted changes too, stamping them OBSCAL GIT_DIRTY = T",
    )
    p.add_argument("--format", choices=("text", "json", "github"), default="text", help="format of problems")
    p.add_argument("-v", "--verbose", action="store_true", help="also print information notes")
    p.set_defaults(func=cmd_convert)

    p = sub.add_parser(
        "totext",
        help="convert FITS calibrations back to ECSV/YAML",
        description="Read FITS calibrations in the LSST layout (written by obscal or other software) and "
        "write their text form into a tree mirroring the data package, under the file name they came "
        "from; obscal's stamps go to <validStart>.stamps.yaml beside each file. Writes every file or none.",
    )
    p.add_argument("paths", nargs="+", metavar="FITS", help="FITS files or directories")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory")
    p.add_argument("--format", choices=("text", "json", "github"), default="text", help="format of problems")
    p.add_argument("-v", "--verbose", action="store_true", help="also print information notes")
    p.set_defaults(func=cmd_totext)

    p = sub.add_parser(
        "lookup",
        help="which calibration was valid at an instant",
        description="Print the calibration valid at an instant (path, validity range, last commit, edit "
        "records), or why none is (before the first range, in a gap, deprecated, after an explicit end). "
        "Dates are ISO-8601 in UTC unless a time scale follows (2024-06-15T12:00:37 TAI) or an offset is "
        "given; MJD 60476.5 works too. Exit 0: found; 1: none valid; 2: usage problem.",
    )
    _add_identity_args(p)
    p.add_argument("--date", required=True, metavar="DATE", help="the instant, e.g. 2024-07-01T12:00:00")
    _add_package_args(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(func=cmd_lookup)

    p = sub.add_parser(
        "timeline",
        help="print the validity ranges of an instrument's calibrations",
        description="One row per file (and per gap), grouped by type, detector and filter: start, end, "
        "file, and notes (explicit VALIDEND, deprecated, covered by a replacement).",
    )
    p.add_argument("--instrument", required=True, help="instrument directory")
    p.add_argument("--type", help="only this calibration type")
    _add_package_args(p)
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    p.set_defaults(func=cmd_timeline)

    p = sub.add_parser(
        "deprecate",
        help="mark a calibration as not to be used (kept in the package, left out of lookup and export)",
        description="Write <validStart>.deprecated.yaml beside the file: who, when, why and the replacement. "
        "The file stays (history remains reproducible); lookups and exports leave it out and its interval "
        "becomes a gap unless --superseded-by names a file of the same directory to cover it.",
    )
    p.add_argument("path", metavar="PATH", help="the calibration file")
    p.add_argument("--reason", required=True, help="why it must no longer be used")
    p.add_argument("--superseded-by", metavar="PATH", help="replacement in the same directory (path or file name)")
    p.add_argument("--author", help="who deprecates it (default: git config user.name)")
    p.set_defaults(func=cmd_deprecate)

    p = sub.add_parser(
        "certify",
        help="bring a calibration made elsewhere into the package with a validity range",
        description="Read SRC (ECSV/YAML/JSON, or FITS in the LSST layout), fill every DMTN-148 keyword for "
        "its place (identity from the camera, CALIBDATE = --valid-start, VALIDEND = --valid-end), add an "
        "edit record, validate it with the strict profile and write it to "
        "<root>/<instrument>/<type>/[<detector>/][<filter>/]<validStart>.<ext> with its provenance sidecar. "
        "Refuses to overwrite and refuses a range that conflicts with its neighbours; writes nothing then. "
        "Exit 0: written; 1: refused (problems listed); 2: usage problem.",
    )
    p.add_argument("source", metavar="SRC", help="the calibration to certify")
    _add_identity_args(p)
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
    p.add_argument("--root", default="obs_data", metavar="DIR", help="the data package (default: obs_data)")
    p.set_defaults(func=cmd_certify)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ObscalError as exc:
        print(f"obscal: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FileNotFoundError as exc:
        print(f"obscal: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
