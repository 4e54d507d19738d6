#!/usr/bin/env python3
"""Benchmark the pre-commit hook's work on one changed file of an LSSTCam-scale package.

Generates the synthetic LSSTCam package (205 detectors, about 3,000 files), then times, best of
``--repeat`` fresh processes each: ``obscal validate <one defects file>`` (what the hook runs: the file,
its directory neighbours' validity and the camera description) against ``python -c "import astropy.table"``
(the start-up any astropy-based checker pays). Prints both and the ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def best(cmd: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, check=False, capture_output=True)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from obscal.testing.synthetic import lsstcam_spec, write_package

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_package(lsstcam_spec(), root)
        target = next(iter(sorted((root / "LSSTCam" / "defects").rglob("*.ecsv"))))
        hook = best([sys.executable, "-m", "obscal", "validate", "-j", "1", str(target)], args.repeat)
        astropy = best([sys.executable, "-c", "import astropy.table"], args.repeat)
    print(f"obscal validate of one file: {hook:.3f} s; import astropy.table: {astropy:.3f} s")
    print(f"ratio: {hook / astropy:.2f} (target <= 1.0: {'met' if hook <= astropy else 'NOT met'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
