#!/usr/bin/env python3
"""Regenerate obs_data/ExampleCam deterministically: ``python tools/make_example_data.py [ROOT]``."""

import shutil
import sys
from pathlib import Path

from obscal.testing.synthetic import example_spec, write_package


def main() -> int:
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "obs_data"
    spec = example_spec()
    shutil.rmtree(root / spec.instrument, ignore_errors=True)
    n = write_package(spec, root)
    print(f"wrote {n} files under {root / spec.instrument}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
