"""``bfk``: brighter-fatter kernels, per amplifier or per detector (YAML)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from obscal.calibtypes import _columns
from obscal.model.calibration import Calibration, LsstTables
from obscal.model.table import Table

if TYPE_CHECKING:
    from obscal.validation.checks import CheckContext

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
    """``bfk``: brighter-fatter kernels per amplifier or per detector (YAML; in FITS a detector-kernel table)."""

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
        """Kernels square, of the declared size, one per amplifier of the detector, finite."""
        md, content = self.getMetadata(), self._content or {}
        dx, dy = md.get("KERNEL_DX"), md.get("KERNEL_DY")
        if not (isinstance(dx, int) and isinstance(dy, int)):
            return
        if dx != dy:
            ctx.error(
                "bfk",
                f"the kernel is {dx}x{dy}: the LSST brighter-fatter correction needs a square kernel",
                path=("metadata", "KERNEL_DX"),
                hint="KERNEL_DX and KERNEL_DY must be equal (typically 17)",
            )
        size = dx * dy
        level = md.get("LEVEL", "AMP")
        det = ctx.detector()
        for key in ("detKernels", "ampKernels"):
            kernels = content.get(key)
            if not isinstance(kernels, dict):
                continue
            for name, values in kernels.items():
                bad = _columns.first_non_number(values)
                if bad is not None:
                    ctx.error("bfk", f"{key}[{name}] item {bad[0]} is {str(bad[1])[:40]!r}, not a number",
                              path=(key, name, bad[0]))  # fmt: skip
                    continue
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

    # ------------------------------------------------------------------ LSST FITS layout

    def lsst_tables(self) -> LsstTables:
        """HDU 1: one row per amplifier kernel (none at LEVEL DETECTOR); HDU 2: one row per detector kernel."""
        if self._content is None:
            return super().lsst_tables()
        content, md = self._content, self._metadata
        kernels = content.get("ampKernels") if isinstance(content.get("ampKernels"), dict) else {}
        amps = list(kernels) if md.get("LEVEL", "AMP") != "DETECTOR" else []
        columns = [_columns.scalar("AMPLIFIER", amps, "string")]
        refs: dict = {}
        for keys, name, base in AMP_TABLE:
            key = next((k for k in keys if isinstance(content.get(k), dict)), keys[0])
            per_amp = content.get(key) if isinstance(content.get(key), dict) else {}
            if base.endswith("[]"):
                kind = base[:-2]
                cells = [_columns.array(per_amp.get(a), kind, f"{key}/{a}") for a in amps]
                columns.append(_columns.vector(name, cells, kind))
                refs.update({(key, a): (0, name, i) for i, a in enumerate(amps) if a in per_amp})
            else:
                default = {"float64": np.nan, "bool": False}[base]
                columns.append(_columns.scalar(name, [per_amp.get(a, default) for a in amps], base))
        tables = [Table(columns, md)]
        det = content.get("detKernels")
        if isinstance(det, dict) and det:
            names = list(det)
            cells = [_columns.array(v, "float64", f"detKernels/{k}") for k, v in det.items()]
            tables.append(
                Table([_columns.scalar("DETECTOR", names, "string"), _columns.vector("KERNEL", cells, "float64")], md)
            )
            refs.update({("detKernels", k): (1, "KERNEL", i) for i, k in enumerate(names)})
        return LsstTables(tables, refs)

    @classmethod
    def from_lsst_tables(cls, tables: list[Table], metadata: dict, dataset_type: str) -> Calibration:
        """Build from the LSST layout written by other software (amplifier table, detector-kernel table)."""
        main = tables[0]
        amps = [str(a) for a in _columns.cells(main.column("AMPLIFIER"))]
        content: dict = {"metadata": metadata}
        for keys, name, _base in AMP_TABLE:
            values = _columns.cells(main.column(name))
            if main.column(name) is not None:
                content[keys[0]] = dict(zip(amps, values, strict=False))
        if len(tables) > 1:
            det = tables[1]
            names = [str(n) for n in _columns.cells(det.column("DETECTOR"))]
            content["detKernels"] = dict(zip(names, _columns.cells(det.column("KERNEL")), strict=False))
        return cls(metadata, content=content, dataset_type=dataset_type)


#: Amplifier-table columns: YAML keys (first found is used), column, type (``[]``: array per amplifier).
AMP_TABLE = (
    (("expIdMask",), "EXP_ID_MASK", "bool[]"),
    (("rawMeans", "means"), "RAW_MEANS", "float64[]"),
    (("rawVariances", "variances"), "RAW_VARIANCES", "float64[]"),
    (("rawXcorrs",), "RAW_XCORRS", "float64[]"),
    (("gain",), "GAIN", "float64"),
    (("noise",), "NOISE", "float64"),
    (("meanXcorrs",), "MEAN_XCORRS", "float64[]"),
    (("ampKernels",), "KERNEL", "float64[]"),
    (("valid",), "VALID", "bool"),
)
