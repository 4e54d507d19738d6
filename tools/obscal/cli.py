"""The ``obscal`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .problems import ObscalError

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
