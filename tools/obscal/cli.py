"""The ``obscal`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .problems import ObscalError

if TYPE_CHECKING:
    from .convert import Result

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def _default_data() -> list[str]:
    return ["obs_data"]


def cmd_validate(args: argparse.Namespace) -> int:
    from .report import WRITERS
    from .validate import validate

    paths = args.paths or _default_data()
    missing = [p for p in paths if not Path(p).exists()]
    if missing:
        raise ObscalError(f"no such file or directory: {', '.join(missing)}")
    report = validate(paths, profile=args.profile)
    WRITERS[args.format](report, sys.stdout, verbose=args.verbose)
    return EXIT_OK if report.ok else EXIT_PROBLEMS


def _print_result(result: Result, verb: str, out: str, fmt: str, verbose: bool) -> int:
    from .report import WRITERS

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
    from .convert import convert

    result = convert(
        args.paths or _default_data(), args.out, profile=args.profile, rev=args.rev, allow_dirty=args.allow_dirty
    )
    return _print_result(result, "converted", args.out, args.format, args.verbose)


def cmd_totext(args: argparse.Namespace) -> int:
    from .convert import totext

    return _print_result(totext(args.paths, args.out), "wrote", args.out, args.format, args.verbose)


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
