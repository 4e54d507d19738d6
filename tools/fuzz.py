#!/usr/bin/env python3
"""Fuzz ``obscal validate`` with thousands of mutated real files: ``python tools/fuzz.py [-n 5000] [--seed 1]``.

Samples are every calibration file of ``obs_data/``, ``tests/fixtures/variants/`` and, when present,
``../shared/reference-data/``. Each input is one sample damaged by 1-3 mutations of
:mod:`obscal.testing.mutate` (byte flips, line edits, extreme numbers, renamed keys, deep nesting),
validated in place in a copy of its package. Inputs run in batches, each in a child process limited to
2 GiB of address space, so that a memory blow-up shows as a failed batch rather than a slow machine.

Prints: inputs, accepted, refused, internal errors (bugs: each with its seed), crashed batches, the
slowest input and the peak memory of a batch. Exit 1 when any input gave an internal error or crashed.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LIMIT = 2 * 1024**3


def _batch(samples: list[str], start: int, count: int, seed: int) -> dict:
    """Run in a child: validate ``count`` mutated inputs; return the counts as a dict."""
    from obscal import validate
    from obscal.testing.mutate import mutate

    out = {"accepted": 0, "refused": 0, "internal": [], "slowest": 0.0, "slowest_input": ""}
    for i in range(start, start + count):
        rng = random.Random(seed * 1_000_003 + i)
        path = Path(rng.choice(samples))
        original = path.read_bytes()
        names, mutated = mutate(original, rng)
        path.write_bytes(mutated)
        try:
            began = time.perf_counter()
            result = validate([path], profile="compat")
            took = time.perf_counter() - began
        finally:
            path.write_bytes(original)
        if took > out["slowest"]:
            out["slowest"], out["slowest_input"] = took, f"#{i} {path.name} ({names})"
        if result.report.internal_errors:
            out["internal"].append(f"#{i} {path} ({names}): {result.report.internal_errors[0].message}")
        elif any(Path(p.file).name == path.name for p in result.errors):
            out["refused"] += 1
        else:
            out["accepted"] += 1
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=5000, help="number of inputs (default 5000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))
        samples_file, start, count, seed = args.child
        samples = json.loads(Path(samples_file).read_text())
        print(json.dumps(_batch(samples, int(start), int(count), int(seed))))
        return 0

    with tempfile.TemporaryDirectory() as tmp:
        sources = [REPO / "obs_data", REPO / "tests/fixtures/variants", REPO.parent / "shared/reference-data"]
        samples = []
        for n, source in enumerate(s for s in sources if s.is_dir()):
            dest = Path(tmp) / f"tree{n}"
            shutil.copytree(source, dest)
            samples += [
                str(p) for p in sorted(dest.rglob("*")) if p.suffix in (".ecsv", ".yaml", ".json")
                and not p.name.endswith((".provenance.yaml", ".deprecated.yaml"))
            ]  # fmt: skip
        listing = Path(tmp) / "samples.json"
        listing.write_text(json.dumps(samples))
        totals = {"accepted": 0, "refused": 0, "internal": [], "crashed": [], "slowest": 0.0, "peak_mb": 0.0}
        began = time.perf_counter()
        for start in range(0, args.n, args.batch):
            count = min(args.batch, args.n - start)
            ran = subprocess.run(
                [sys.executable, __file__, "--child", str(listing), str(start), str(count), str(args.seed)],
                capture_output=True, text=True, timeout=3600,
            )  # fmt: skip
            if ran.returncode != 0:
                totals["crashed"].append(f"batch {start}-{start + count}: {ran.stderr.strip()[-300:]}")
                continue
            got = json.loads(ran.stdout.strip().splitlines()[-1])
            totals["accepted"] += got["accepted"]
            totals["refused"] += got["refused"]
            totals["internal"] += got["internal"]
            if got["slowest"] > totals["slowest"]:
                totals["slowest"], totals["slowest_input"] = got["slowest"], got["slowest_input"]
            totals["peak_mb"] = max(totals["peak_mb"], got["peak_mb"])
        elapsed = time.perf_counter() - began
    print(f"inputs: {args.n} from {len(samples)} real files (seed {args.seed}), {elapsed:.0f} s")
    print(f"accepted: {totals['accepted']}  refused with a message: {totals['refused']}")
    print(f"internal errors: {len(totals['internal'])}  crashed batches: {len(totals['crashed'])}")
    print(f"slowest input: {totals['slowest'] * 1e3:.0f} ms ({totals.get('slowest_input', '')})")
    print(f"peak memory of a batch of {args.batch}: {totals['peak_mb']:.0f} MB (limit {LIMIT // 1024**2} MB)")
    for line in totals["internal"][:20] + totals["crashed"]:
        print("  " + line)
    return 1 if totals["internal"] or totals["crashed"] else 0


if __name__ == "__main__":
    sys.exit(main())
