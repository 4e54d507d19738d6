#!/usr/bin/env python3
"""Benchmark ``obscal validate`` on an LSSTCam-scale synthetic package.

Generates 205 detectors (189 science CCDs and 8 guiders with 16 amplifiers, 8 wavefront sensors with 8)
with defects, manual defects, crosstalk, linearizers, BF kernels, sensor transmission, filter-detector
transmission for 6 filters, filter and optics curves (about 3,000 files, sizes like the LSST data
packages), then times in the same run, alternating, best of ``--repeat``:

* baseline: ``astropy.table.Table.read`` of every ECSV file plus ``yaml.safe_load`` of every YAML file
  (reading only, nothing checked);
* obscal: ``validate`` of the whole tree (parse, schema, semantic checks) in this process.

Prints both times and their ratio (target: <= 0.5). Machines here are noisy: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path


def baseline(files: list[Path]) -> float:
    import yaml
    from astropy.table import Table

    start = time.perf_counter()
    for path in files:
        if path.suffix == ".ecsv":
            Table.read(path, format="ascii.ecsv")
        else:
            with open(path) as fh:
                yaml.load(fh, Loader=yaml.SafeLoader)  # astropy's ECSV header loader is also pure Python
    return time.perf_counter() - start


def obscal_run(root: Path) -> tuple[float, int, int]:
    from obscal import validate

    start = time.perf_counter()
    report = validate([root], profile="strict")
    return time.perf_counter() - start, report.files_checked, len(report.errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (best is kept)")
    parser.add_argument("--keep", type=Path, help="generate into this directory and keep it")
    args = parser.parse_args()

    from obscal.testing.synthetic import lsstcam_spec, write_package

    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        t0 = time.perf_counter()
        n = write_package(lsstcam_spec(), root)
        files = sorted(p for p in root.rglob("*") if p.suffix in (".ecsv", ".yaml"))
        size = sum(p.stat().st_size for p in files)
        print(f"generated {n} files ({size / 1e6:.1f} MB) in {time.perf_counter() - t0:.1f} s")
        import astropy.table  # noqa: F401 - import cost is not part of either measurement

        base_best = ours_best = float("inf")
        for _ in range(args.repeat):
            base_best = min(base_best, baseline(files))
            elapsed, checked, errors = obscal_run(root)
            ours_best = min(ours_best, elapsed)
        if errors:
            print(f"warning: validation reported {errors} error(s) on the synthetic package", file=sys.stderr)
        print(f"astropy Table.read (baseline): {base_best:8.2f} s  ({base_best / len(files) * 1e3:.2f} ms/file)")
        print(f"obscal validate:               {ours_best:8.2f} s  ({ours_best / checked * 1e3:.2f} ms/file)")
        ratio = ours_best / base_best
        print(f"ratio obscal/baseline: {ratio:.3f}  (target <= 0.5: {'met' if ratio <= 0.5 else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
