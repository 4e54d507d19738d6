#!/usr/bin/env python3
"""Benchmark ``obscal validate`` against what a user would otherwise run to read the same files.

Two synthetic packages, each timed in the same run, alternating, best of ``--repeat``:

* **LSSTCam-scale** (205 detectors, about 3,000 files, sizes like the LSST data packages): obscal
  ``validate`` (strict) against astropy ``Table.read`` of every ECSV file plus libyaml
  (``yaml.CSafeLoader``) of every YAML file — reading only, nothing checked;
* **DECam-sized linearizers** (62 YAML files of 2.4 MB, lookup tables of 131,072 numbers, LSST Python
  tags): obscal ``validate --profile compat`` against libyaml ``CSafeLoader`` load of the same files (with
  constructors that build plain lists for the LSST tags, as the pipelines' ``CLoader`` builds objects).

Then the peak memory (maximum RSS of a fresh process) of ``obscal validate`` and ``obscal convert`` on
the DECam set at half and at full size: it must not grow with the number of files.

Machines here are noisy: compare ratios, not seconds. ``-j`` sets the worker processes of obscal.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LSST_TARGET, DECAM_TARGET, MEMORY_TARGET_MB = 0.25, 1.0, 400


def _libyaml_loader():
    import yaml

    def any_node(loader, suffix, node):
        if isinstance(node, yaml.SequenceNode):
            return loader.construct_sequence(node, deep=True)
        if isinstance(node, yaml.MappingNode):
            return loader.construct_mapping(node, deep=True)
        return loader.construct_scalar(node)

    class Loader(yaml.CSafeLoader):
        pass

    Loader.add_multi_constructor("tag:yaml.org,2002:python/", any_node)
    Loader.add_multi_constructor("!", any_node)
    Loader.add_multi_constructor("", any_node)
    return Loader


def baseline(files: list[Path]) -> float:
    import yaml
    from astropy.table import Table

    loader = _libyaml_loader()
    start = time.perf_counter()
    for path in files:
        if path.suffix == ".ecsv":
            Table.read(path, format="ascii.ecsv")
        else:
            with open(path, "rb") as fh:
                yaml.load(fh, Loader=loader)
    return time.perf_counter() - start


def obscal_run(root: Path, profile: str, jobs: int) -> tuple[float, int, int]:
    from obscal.validation.validator import Validator

    start = time.perf_counter()
    result = Validator(profile, jobs=jobs).run([root])
    return time.perf_counter() - start, result.report.files_checked, len(result.report.errors)


def compare(name: str, root: Path, files: list[Path], profile: str, repeat: int, jobs: int, target: float) -> None:
    base_best = ours_best = float("inf")
    for _ in range(repeat):
        base_best = min(base_best, baseline(files))
        elapsed, checked, errors = obscal_run(root, profile, jobs)
        ours_best = min(ours_best, elapsed)
    if errors:
        print(f"warning: validation reported {errors} error(s) on the {name} package", file=sys.stderr)
    ratio = ours_best / base_best
    print(f"{name}: baseline {base_best:.2f} s, obscal validate {ours_best:.2f} s ({checked} files, -j {jobs})")
    print(f"  ratio obscal/baseline: {ratio:.3f}  (target <= {target}: {'met' if ratio <= target else 'NOT met'})")


def peak_mb(*args: str) -> float:
    """Maximum RSS (MB) of ``python -m obscal ARGS`` in a fresh process."""
    code = (
        "import resource, sys; from obscal.cli.main import main; rc = main(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)"
    )
    ran = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    own, children = (int(x) for x in ran.stderr.strip().splitlines()[-2:])
    return max(own, children) / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="timed rounds (best is kept)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="obscal worker processes (default 1)")
    parser.add_argument("--skip-lsst", action="store_true", help="only the DECam-sized set")
    args = parser.parse_args()

    import astropy.table  # noqa: F401 - import cost is not part of any measurement

    from obscal.testing.synthetic import lsstcam_spec, write_decam_linearizers, write_package

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if not args.skip_lsst:
            lsst = tmp / "lsst"
            n = write_package(lsstcam_spec(), lsst)
            files = sorted(p for p in lsst.rglob("*") if p.suffix in (".ecsv", ".yaml"))
            print(f"LSSTCam-scale: {n} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB")
            compare("LSSTCam-scale", lsst, files, "strict", args.repeat, args.jobs, LSST_TARGET)
        decam = tmp / "decam"
        write_decam_linearizers(decam, 62)
        files = sorted(decam.rglob("*.yaml"))
        print(f"DECam-sized linearizers: {len(files)} files, {sum(p.stat().st_size for p in files) / 1e6:.1f} MB")
        compare("DECam linearizers", decam, files, "compat", args.repeat, args.jobs, DECAM_TARGET)

        half = tmp / "half"
        write_decam_linearizers(half, 31)
        jobs = ["-j", str(args.jobs)]
        for what, extra in (("validate", []), ("convert", ["--allow-dirty", "--out"])):
            sizes = []
            for root, name in ((half, "31"), (decam, "62")):
                out = [str(tmp / f"out-{what}-{name}")] if extra else []
                sizes.append(peak_mb(what, "--profile", "compat", *jobs, *extra, *out, str(root)))
            grows = sizes[1] - sizes[0]
            print(f"peak memory of obscal {what}: {sizes[0]:.0f} MB at 31 files, {sizes[1]:.0f} MB at 62 "
                  f"(growth {grows:+.0f} MB; target <= {MEMORY_TARGET_MB} MB: "
                  f"{'met' if max(sizes) <= MEMORY_TARGET_MB else 'NOT met'})")  # fmt: skip
    _ = resource
    return 0


if __name__ == "__main__":
    sys.exit(main())
