#!/usr/bin/env python3
"""Benchmark ``obscal convert`` and ``obscal totext`` on an LSSTCam-scale package in a git repository.

Generates the same synthetic LSSTCam package as ``benchmark_validate.py`` (205 detectors, about 3,000
files), commits it to a fresh git repository, then times in the same run, best of ``--repeat``:

* baseline: the naive script -- ``astropy.table.Table.read`` of every ECSV file and ``Table.write`` to
  FITS (no validation, no provenance, no checksums; YAML files are not converted at all);
* obscal convert: validate everything, read git (commit, per-file history, uncommitted changes),
  write every FITS file with its stamps and checksums, all or nothing;
* obscal totext: read every FITS file back (checksums verified) and write the text tree.

Prints the times and the ratios to the baseline. Machines here are noisy: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path


def baseline(files: list[Path], out: Path) -> float:
    from astropy.table import Table

    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for i, path in enumerate(files):
            Table.read(path, format="ascii.ecsv").write(out / f"{i}.fits", overwrite=True)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="timed rounds (best is kept)")
    parser.add_argument("-j", "--jobs", type=int, default=1, help="obscal worker processes (default 1)")
    args = parser.parse_args()

    from obscal.ops.convert import convert
    from obscal.ops.totext import totext
    from obscal.testing.synthetic import lsstcam_spec, write_committed_package

    with tempfile.TemporaryDirectory() as tmp:
        repo_dir = Path(tmp) / "pkg"
        data = repo_dir / "obs_data"
        n = write_committed_package(lsstcam_spec(), repo_dir, "LSSTCam-scale package")
        ecsv = sorted(data.rglob("*.ecsv"))
        print(f"generated and committed {n} files ({len(ecsv)} ECSV)")
        import astropy.table  # noqa: F401 - import cost is not part of any measurement

        best = {"baseline": float("inf"), "convert": float("inf"), "totext": float("inf")}
        written = 0
        for round_ in range(args.repeat):
            out = Path(tmp) / f"round{round_}"
            (out / "naive").mkdir(parents=True)
            best["baseline"] = min(best["baseline"], baseline(ecsv, out / "naive"))
            start = time.perf_counter()
            result = convert([data], out / "fits", jobs=args.jobs)
            best["convert"] = min(best["convert"], time.perf_counter() - start)
            if not result.ok:
                print(f"convert refused: {result.report.errors[:3]}", file=sys.stderr)
                return 1
            written = len(result.written)
            start = time.perf_counter()
            back = totext([out / "fits"], out / "text")
            best["totext"] = min(best["totext"], time.perf_counter() - start)
            if not back.ok:
                print(f"totext failed: {back.report.errors[:3]}", file=sys.stderr)
                return 1
            shutil.rmtree(out)
        base = best["baseline"]
        print(f"astropy read+write, ECSV only (baseline): {base:7.2f} s  ({base / len(ecsv) * 1e3:.2f} ms/file)")
        for name in ("convert", "totext"):
            t = best[name]
            print(f"obscal {name:7s} ({written} files):     {t:7.2f} s  ({t / written * 1e3:.2f} ms/file)"
                  f"  ratio {t / base:.2f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
