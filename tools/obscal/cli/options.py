"""Option definitions shared by the commands, so that each is spelled (and documented) once."""

from __future__ import annotations

import argparse

from obscal.validation.validator import PROFILES

EXIT_CODES = "Exit 0: success; 1: problems in the data (listed); 2: usage problem; 3: a bug in obscal (--traceback)."


def add_profile(p: argparse.ArgumentParser) -> None:
    """``--profile strict|compat``."""
    p.add_argument(
        "--profile",
        choices=PROFILES,
        default="strict",
        help="strict (default): every DMTN-148 keyword and an edit history; compat: what the LSST "
        "pipelines accept today",
    )


def add_format(p: argparse.ArgumentParser, choices: tuple[str, ...] = ("text", "json", "github")) -> None:
    """``--format`` with the given choices."""
    p.add_argument("--format", choices=choices, default="text", help=f"output format ({', '.join(choices)})")


def add_verbose(p: argparse.ArgumentParser) -> None:
    """``-v/--verbose`` and ``-q/--quiet``."""
    loud = p.add_mutually_exclusive_group()
    loud.add_argument("-v", "--verbose", action="store_true", help="also print information notes")
    loud.add_argument("-q", "--quiet", action="store_true", help="print errors only (and the summary)")


def add_out(p: argparse.ArgumentParser) -> None:
    """``--out DIR`` (required)."""
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (written all or nothing)")


def add_root(p: argparse.ArgumentParser) -> None:
    """``--root DIR``, the data package."""
    p.add_argument(
        "--root", metavar="DIR", help="the data package (default: the obs_data of the repository you are in)"
    )


def add_as_of(p: argparse.ArgumentParser) -> None:
    """``--as-of REV``."""
    p.add_argument(
        "--as-of",
        metavar="REV",
        help="answer from the package as it stood at this git revision or tag (read from git, no checkout)",
    )


def add_identity(p: argparse.ArgumentParser, types: list[str]) -> None:
    """Which directory of the package: instrument, type, and detector/filter where the type has them."""
    p.add_argument("--instrument", required=True, help="instrument directory, e.g. ExampleCam")
    p.add_argument("--type", required=True, choices=types, metavar="TYPE", help="calibration type: " + ", ".join(types))
    p.add_argument("--detector", metavar="ID|NAME", help="detector id or name (per-detector types)")
    p.add_argument("--filter", help="physical filter (per-filter types)")


def add_selectors(p: argparse.ArgumentParser) -> None:
    """``--select`` and ``--ignore``: problem codes or rules to report only, or not at all."""
    p.add_argument(
        "--select", metavar="CODES", type=_names, default=[],
        help="report only these problem codes or rules (comma-separated), e.g. curve,unknown-key",
    )  # fmt: skip
    p.add_argument(
        "--ignore", metavar="CODES", type=_names, default=[],
        help="do not report these problem codes or rules, e.g. curve-above-100 (adds to the package's settings)",
    )  # fmt: skip


def _names(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def add_jobs(p: argparse.ArgumentParser) -> None:
    """``-j/--jobs N``: worker processes (default: the machine's cores)."""
    p.add_argument(
        "-j", "--jobs", type=_jobs, default=None, metavar="N",
        help="worker processes checking and writing files (default: the number of cores); output is the same",
    )  # fmt: skip


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of processes") from None
    if value < 1:
        raise argparse.ArgumentTypeError("give at least 1")
    return value


def jobs_of(args: argparse.Namespace) -> int:
    """The worker count asked for, or the cores this process may use."""
    import os

    if getattr(args, "jobs", None):
        return args.jobs
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1
