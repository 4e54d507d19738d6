#!/usr/bin/env python3
"""Benchmark ``obscal export`` and ``obscal ingest`` on an LSSTCam-scale package (needs ``obscal[butler]``).

Generates the synthetic LSSTCam package of the other benchmarks (205 detectors, about 3,000 files),
commits it, then measures in the same run:

* ``obscal convert`` of it, and ``obscal export`` of it (ratio: export / convert);
* a plain in-process ``Butler.import_`` of the bundle's ``export.yaml`` into a fresh SQLite repository
  (``transfer="copy"``), and ``obscal ingest`` of the bundle into another fresh one (ratio: ingest /
  import), then a repeated ``obscal ingest`` with nothing to do (ratio: repeat / first ingest).

Prints seconds and ratios; machines here are noisy, so compare ratios.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def timed(fn, *args, **kw) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn(*args, **kw)
    return time.perf_counter() - start, out


def main() -> int:
    import lsst.daf.butler as dafbutler

    from obscal.ops.convert import convert
    from obscal.ops.export import export
    from obscal.ops.ingest import ingest
    from obscal.testing.synthetic import lsstcam_spec, write_committed_package

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        n = write_committed_package(lsstcam_spec(), tmp / "pkg", "LSSTCam-scale package")
        data = tmp / "pkg" / "obs_data"
        print(f"generated and committed {n} files")
        t_convert, result = timed(convert, [data], tmp / "fits")
        assert result.ok
        t_export, result = timed(export, [data], tmp / "bundle")
        assert result.ok, result.report.problems[:3]
        rows = len(result.rows)
        # The plain import needs the formatter importable too: the first ingest's plan provides it.
        ingest(tmp / "bundle", tmp / "warm", create=True, dry_run=True)
        dafbutler.Butler.makeRepo(str(tmp / "plain"))
        plain = dafbutler.Butler.from_config(str(tmp / "plain"), writeable=True)
        t_import, _ = timed(
            plain.import_, directory=str(tmp / "bundle"), filename=str(tmp / "bundle/export.yaml"), transfer="copy"
        )
        dafbutler.Butler.makeRepo(str(tmp / "ours"))
        t_ingest, plan = timed(ingest, tmp / "bundle", tmp / "ours")
        assert not plan.conflicts and len(plan.imports) > 0
        t_again, plan = timed(ingest, tmp / "bundle", tmp / "ours")
        assert plan.nothing_to_do
    print(f"certified intervals: {rows}")
    print(f"convert {t_convert:.2f} s, export {t_export:.2f} s -> export / convert = {t_export / t_convert:.2f}")
    ratio = t_ingest / t_import
    print(f"Butler.import_ {t_import:.2f} s, obscal ingest {t_ingest:.2f} s -> ingest / import = {ratio:.2f}")
    print(f"repeated ingest {t_again:.2f} s -> repeat / first = {t_again / t_ingest:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
