"""``bfk``: brighter-fatter kernels, per amplifier or per detector (YAML)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from ..calibration import Calibration

if TYPE_CHECKING:
    from ..checks import CheckContext

AMP_KEYS = (
    "means",
    "variances",
    "rawMeans",
    "rawVariances",
    "expIdMask",
    "rawXcorrs",
    "gain",
    "noise",
    "meanXcorrs",
    "ampKernels",
    "valid",
)


class BrighterFatterKernel(Calibration):
    dataset_types = ("bfk",)
    OBSTYPE = "bfk"
    SCHEMA = "Brighter-fatter kernel"
    VERSION = "1.1"
    LEGACY_VERSION = "1.0"
    dimensions = ("detector",)
    CALIBCLS = ("lsst.ip.isr.brighterFatterKernel.BrighterFatterKernel", "lsst.ip.isr.BrighterFatterKernel")
    obstype_case_sensitive = True
    default_format = "yaml"

    def check(self, ctx: CheckContext) -> None:
        md, content = self.getMetadata(), self._content or {}
        dx, dy = md.get("KERNEL_DX"), md.get("KERNEL_DY")
        if not (isinstance(dx, int) and isinstance(dy, int)):
            return
        size = dx * dy
        level = md.get("LEVEL", "AMP")
        det = ctx.detector()
        for key in ("detKernels", "ampKernels"):
            kernels = content.get(key)
            if not isinstance(kernels, dict):
                continue
            for name, values in kernels.items():
                arr = np.asarray(values, dtype=float)
                if arr.size != size:
                    ctx.error(
                        "bfk",
                        f"{key}[{name}] has {arr.size} values; KERNEL_DX x KERNEL_DY = {dx}x{dy} needs {size}",
                        path=(key, name),
                    )
                elif not np.all(np.isfinite(arr)):
                    ctx.error("bfk", f"{key}[{name}] has non-finite values", path=(key, name))
                if key == "detKernels" and det is not None and str(name).lower() != det.name.lower():
                    ctx.error(
                        "bfk", f"detKernels key {name!r} is not this file's detector ({det.name})", path=(key, name)
                    )
        if level == "DETECTOR" and not content.get("detKernels"):
            ctx.error("bfk", "LEVEL is DETECTOR but there is no detKernels entry", path=("metadata", "LEVEL"))
        if level == "AMP" and not content.get("ampKernels"):
            ctx.error("bfk", "LEVEL is AMP but ampKernels is empty", path=("metadata", "LEVEL"))
        if det is not None:
            for key in AMP_KEYS:
                value = content.get(key)
                if isinstance(value, dict):
                    extra = [a for a in value if a not in det.amp_names]
                    if extra:
                        ctx.error(
                            "bfk",
                            f"{key} names amplifier(s) {', '.join(map(str, extra))} not in {det.name}",
                            path=(key,),
                        )
