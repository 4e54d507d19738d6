"""``obscal plot``: a calibration as a picture, optionally over an earlier version (optional extra ``obscal[plot]``).

* defects: the boxes on the detector outline with the amplifier boundaries (from the camera description);
* crosstalk: the coefficient matrix as a heat map (with ``--vs``: the change);
* QE and transmission curves: value against wavelength, one line per amplifier;
* linearizers: the correction against signal per amplifier (spline nodes, polynomials, lookup tables);
* brighter-fatter kernels: the kernel image;
* an instrument directory: the validity timeline of its calibrations.

With ``vs`` (a git revision) the earlier version is drawn too: removed boxes, dashed curves, the change of
a matrix or kernel.
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np

from obscal.model import registry
from obscal.model.calibration import Calibration
from obscal.model.formats import read_document
from obscal.model.layout import PathInfo, resolve
from obscal.model.problems import ObscalError, ParseError
from obscal.store.package import Package


def _pyplot():
    try:
        import matplotlib
    except ImportError:
        raise ObscalError("plotting needs matplotlib: pip install 'obscal[plot]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _read(path: Path, data: bytes | None = None) -> tuple[Calibration, PathInfo]:
    info = resolve(path.absolute(), registry.dimensions())
    calib = registry.load_types()[info.calib_type].from_document(read_document(path, data), info.calib_type)
    return calib, info


def _at(path: Path, rev: str) -> Calibration | None:
    from obscal.store.git import GitRepo

    repo = GitRepo.find(path.absolute())
    if repo is None:
        raise ObscalError("--vs needs the file to be in a git repository")
    data = repo.read_at(rev, repo.relpath(path.absolute()))
    return _read(path, data)[0] if data is not None else None


def plot(path: str | Path, out: str | Path, vs: str | None = None) -> Path:
    """Draw ``path`` (a calibration file, or an instrument directory for its timeline) into ``out`` (PNG).

    Raises
    ------
    ObscalError
        matplotlib is missing, the file cannot be read, the type has no picture, or ``vs`` is unknown.
    """
    plt = _pyplot()
    path, out = Path(path), Path(out)
    fig, ax = plt.subplots(figsize=(9, 6), dpi=100)
    try:
        if path.is_dir():
            _timeline(ax, path, fig)
        else:
            try:
                calib, info = _read(path)
            except ParseError as exc:
                raise ObscalError(f"{path}: {exc.message}") from None
            old = _at(path, vs) if vs else None
            drawer = _DRAWERS.get(info.calib_type) or (
                _curve if info.calib_type.startswith(("transmission", "qe")) else None
            )
            if drawer is None:
                raise ObscalError(
                    f"{info.calib_type} has no picture (plots: defects, crosstalk, curves, linearizer, bfk)"
                )
            drawer(ax, calib, info, old, fig)
            ax.set_title(f"{info.relpath}" + (f"  (vs {vs})" if vs else ""), fontsize=9)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        fig.savefig(tmp, format="png", metadata={"Software": None})
        tmp.replace(out)
    finally:
        plt.close(fig)
    return out


# ------------------------------------------------------------------------------------------ drawers


def _defects(ax, calib, info, old, fig) -> None:
    from matplotlib.patches import Rectangle

    pkg_camera = Package.open(info.root).camera(info.instrument, info.valid_start)
    det = pkg_camera.detector_by_dir(info.detector) if pkg_camera and info.detector else None
    if det is not None:
        b = det.bbox
        ax.add_patch(Rectangle((b.x0, b.y0), b.width, b.height, fill=False, lw=1.5, color="black"))
        for amp in det.amplifiers:
            a = amp.bbox
            ax.add_patch(Rectangle((a.x0, a.y0), a.width, a.height, fill=False, lw=0.4, ls=":", color="grey"))
            ax.text(a.x0 + a.width / 2, a.y0 + a.height / 2, amp.name, ha="center", va="center", fontsize=6,
                    color="grey")  # fmt: skip
        ax.set_xlim(b.x0 - 20, b.x0 + b.width + 20)
        ax.set_ylim(b.y0 - 20, b.y0 + b.height + 20)
    now = {tuple(int(v) for v in row) for row in calib.boxes()}
    before = {tuple(int(v) for v in row) for row in old.boxes()} if old is not None else now
    for boxes, color, label in ((now & before, "tab:red", "defects"), (now - before, "tab:green", "added"),
                                (before - now, "tab:blue", "removed")):  # fmt: skip
        for i, (x0, y0, w, h) in enumerate(sorted(boxes)):
            ax.add_patch(
                Rectangle((x0, y0), max(w, 3), max(h, 3), color=color, alpha=0.7, label=label if i == 0 else None)
            )
    if det is None:
        ax.autoscale()
    ax.set_aspect("equal")
    ax.set_xlabel("x (pixels)")
    ax.set_ylabel("y (pixels)")
    if now or before:
        ax.legend(loc="upper right", fontsize=7)


def _matrix(calib, old) -> tuple[np.ndarray, str]:
    values, _ = calib.arrays()["CT_COEFFS"] if "CT_COEFFS" in calib.arrays() else next(iter(calib.arrays().values()))
    label = "coefficient"
    if old is not None and "CT_COEFFS" in old.arrays() and old.arrays()["CT_COEFFS"][0].shape == values.shape:
        values = values - old.arrays()["CT_COEFFS"][0]
        label = "change of the coefficient"
    n = math.isqrt(values.size)
    return np.asarray(values, dtype=float).reshape(n, n), label


def _crosstalk(ax, calib, info, old, fig) -> None:
    matrix, label = _matrix(calib, old)
    limit = float(np.nanmax(np.abs(matrix))) or 1.0
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, origin="upper")
    fig.colorbar(image, ax=ax, label=label)
    ax.set_xlabel("target amplifier (readout order)")
    ax.set_ylabel("source amplifier (readout order)")


def _curve(ax, calib, info, old, fig) -> None:
    for version, style in ((calib, "-"), (old, "--")):
        if version is None:
            continue
        table = version.tables()[0]
        wave = table.column("wavelength")
        value = next(c for c in table.columns if c.name not in ("wavelength", "amp_name"))
        amps = table.column("amp_name")
        groups = {"": np.arange(len(table))} if amps is None else {
            str(a): np.flatnonzero(np.asarray(amps.data).astype(str) == str(a)) for a in dict.fromkeys(amps.data)
        }  # fmt: skip
        for name, rows in groups.items():
            tag = ("earlier " if version is old else "") + (name or value.name)
            ax.plot(np.asarray(wave.data)[rows], np.asarray(value.data, dtype=float)[rows], style, lw=0.8, label=tag)
        ax.set_xlabel(f"wavelength ({wave.unit or '?'})")
        ax.set_ylabel(f"{value.name} ({value.unit or 'fraction'})")
    if len(ax.lines) <= 20:
        ax.legend(fontsize=6, ncol=2)


def _linearizer(ax, calib, info, old, fig) -> None:
    content = calib.toDict()
    if calib.tables():
        table = calib.tables()[0]
        for r in range(len(table)):
            coeffs = np.asarray(table.column("COEFFS").data[r], dtype=float)
            kind = str(table.column("TYPE").data[r])
            name = str(table.column("AMPLIFIER_NAME").data[r])
            if kind == "Spline" and coeffs.size % 2 == 0:
                half = coeffs.size // 2
                ax.plot(coeffs[:half], coeffs[half:], "o-", ms=2, lw=0.8, label=name)
            else:
                ax.plot(np.arange(coeffs.size), coeffs, ".-", lw=0.8, label=f"{name} ({kind})")
    elif isinstance(content.get("tableData"), list):
        for row, values in enumerate(content["tableData"]):
            ax.plot(np.asarray(values, dtype=float), lw=0.6, label=f"lookup row {row}")
    ax.set_xlabel("signal (adu)")
    ax.set_ylabel("correction (adu)")
    ax.legend(fontsize=6, ncol=2)


def _bfk(ax, calib, info, old, fig) -> None:
    def kernel(version) -> np.ndarray | None:
        content = version.toDict()
        for key in ("detKernels", "ampKernels"):
            kernels = content.get(key)
            if isinstance(kernels, dict) and kernels:
                values = np.asarray(next(iter(kernels.values())), dtype=float)
                n = math.isqrt(values.size)
                if n * n == values.size:
                    return values.reshape(n, n)
        return None

    image = kernel(calib)
    if image is None:
        raise ObscalError("the file holds no square kernel to draw")
    label = "kernel"
    earlier = kernel(old) if old is not None else None
    if earlier is not None and earlier.shape == image.shape:
        image, label = image - earlier, "change of the kernel"
    shown = ax.imshow(image, cmap="viridis", origin="lower")
    fig.colorbar(shown, ax=ax, label=label)


def _timeline(ax, root: Path, fig) -> None:
    """Every directory of an instrument as a row, each file's validity as a bar (deprecated ones grey)."""
    pkg = Package.open(root.parent)
    instrument = root.name
    keys = pkg.groups(instrument)
    if not keys:
        raise ObscalError(f"no calibrations under {root}")
    starts = [r.start for key in keys for r in pkg.timeline(key).own]
    now = (
        max(starts) + (max(starts) - min(starts)) / 4 if len(set(starts)) > 1 else datetime(max(starts).year + 1, 1, 1)
    )
    fig.set_size_inches(10, max(6.0, 0.16 * len(keys) + 1.5))
    fig.subplots_adjust(left=0.32, right=0.97)
    for row, key in enumerate(keys):
        for r in pkg.timeline(key).own:
            end = r.end or max(now, r.start)
            color = "lightgrey" if r.deprecation is not None else f"C{row % 10}"
            ax.barh(row, (end - r.start).days, left=r.start, height=0.6, color=color, edgecolor="black", lw=0.3)
    ax.set_yticks(range(len(keys)))
    ax.set_yticklabels(["/".join(k for k in key[1:] if k) for key in keys], fontsize=5)
    ax.set_title(f"{instrument}: validity of each calibration (grey: deprecated; open ends drawn to the right edge)",
                 fontsize=9)  # fmt: skip


_DRAWERS = {
    "defects": _defects,
    "manual_defects": _defects,
    "crosstalk": _crosstalk,
    "linearizer": _linearizer,
    "bfk": _bfk,
}
