#!/usr/bin/env python3
"""Benchmark ``Package`` (the validity index) and its lookups at LSSTCam scale.

Generates the LSSTCam-like synthetic package (205 detectors, about 2,800 files) and commits it to a
temporary git repository, then measures in the same run, best of ``--repeat``:

1. index build from the working tree, against a baseline that only lists the tree and reads every
   file's bytes (the least any index of explicit ``VALIDEND`` values must do);
2. index build ``--as-of`` a revision (from git objects), against the same baseline;
3. lookups: ``Timeline.lookup`` (bisection) against a linear scan of the same ranges, for one directory
   of N ranges, N = 10 ... 100,000: the ratio shows O(log n) against O(n);
4. ``Package.lookup`` end to end (name checks, detector given by name), per query.

Machines here are noisy: compare the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from obscal.model.validity import ValidityRange


def best(fn: Callable[[], object], repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - start)
    return out


def read_everything(root: Path) -> None:
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            Path(dirpath, name).read_bytes()


def linear(ranges: list[ValidityRange], moment: datetime) -> ValidityRange | None:
    for r in ranges:
        if r.contains(moment):
            return r
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed rounds (best is kept)")
    parser.add_argument("--queries", type=int, default=20000, help="lookups per measurement")
    args = parser.parse_args()

    from obscal import Package
    from obscal.model.validity import Entry, Timeline
    from obscal.testing.synthetic import lsstcam_spec, write_committed_package

    with tempfile.TemporaryDirectory() as tmp:
        repo_dir = Path(tmp)
        root = repo_dir / "obs_data"
        n = write_committed_package(lsstcam_spec(), repo_dir, "synthetic LSSTCam")
        print(f"generated and committed {n} files")

        base = best(lambda: read_everything(root), args.repeat)
        work = best(lambda: Package.open(root), args.repeat)
        at_rev = best(lambda: Package.open(root, rev="HEAD"), args.repeat)
        pkg = Package.open(root)
        print(f"baseline (list + read every file): {base * 1e3:8.1f} ms")
        print(f"Package.open (working tree):       {work * 1e3:8.1f} ms   ratio {work / base:.2f}")
        print(f"Package.open --as-of HEAD (git):   {at_rev * 1e3:8.1f} ms   ratio {at_rev / base:.2f}")

        rng = random.Random(7)
        print(f"\nlookups in one directory of N ranges ({args.queries} random instants each):")
        print(f"{'N':>8} {'bisect us/query':>16} {'linear us/query':>16} {'linear/bisect':>14}")
        origin = datetime(2000, 1, 1)
        for size in (10, 100, 1_000, 10_000, 100_000):
            entries = [Entry(Path(f"{i:06d}.ecsv"), origin + timedelta(hours=i)) for i in range(size)]
            timeline = Timeline(entries)
            moments = [origin + timedelta(hours=rng.uniform(-1, size + 1)) for _ in range(args.queries)]
            queries = moments if size <= 1_000 else moments[: max(200, args.queries * 1_000 // size)]
            fast = best(lambda t=timeline, q=moments: [t.lookup(m) for m in q], args.repeat) / len(moments)
            slow = best(lambda t=timeline, q=queries: [linear(t.effective, m) for m in q], args.repeat) / len(queries)
            print(f"{size:>8} {fast * 1e6:>16.2f} {slow * 1e6:>16.2f} {slow / fast:>14.1f}")

        dets = [d.name for d in lsstcam_spec().detectors]
        asks = [(rng.choice(dets), origin + timedelta(days=rng.uniform(8000, 9500))) for _ in range(args.queries)]
        per = best(lambda: [pkg.lookup("LSSTCam", "defects", when, detector=det) for det, when in asks], args.repeat)
        print(f"\nPackage.lookup end to end: {per / len(asks) * 1e6:.1f} us/query over {len(pkg)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
