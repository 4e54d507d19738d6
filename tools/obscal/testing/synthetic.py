"""Deterministic synthetic calibration packages: the example instrument and benchmark-scale cameras.

Values are realistic in form (E2V/ITL geometry, crosstalk ~1e-4, QE curves in percent, smooth
filter edges, symmetric negative-sum BF kernels) and fully determined by the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np

from obscal.io import ecsv
from obscal.io.atomic import write_text as write_atomic
from obscal.io.safeyaml import dump_data as dump_yaml
from obscal.model import registry
from obscal.model.camera import Detector
from obscal.model.identity import EDIT_HISTORY, dirname, format_edit_record, standard_metadata
from obscal.model.instants import creation_pair, format_stem
from obscal.model.table import Column, Table

AMPS16 = [f"C1{i}" for i in range(8)] + [f"C0{i}" for i in range(7, -1, -1)]  # readout order
AMPS8 = [f"C1{i}" for i in range(8)]
GEOMETRY = {"E2V": (512, 2002), "ITL": (509, 2000)}
BANDS = {"u": (320, 400), "g": (400, 552), "r": (552, 691), "i": (691, 818), "z": (818, 922), "y": (948, 1060)}


@dataclass
class DetectorSpec:
    """A detector of a synthetic camera: id, name, serial, type and purpose."""

    id: int
    name: str
    serial: str
    physical_type: str = "ITL"
    purpose: str = "SCIENCE"

    @property
    def amps(self) -> list[str]:
        """Amplifier names in readout order."""
        return AMPS8 if self.purpose == "WAVEFRONT" else AMPS16

    @property
    def amp_size(self) -> tuple[int, int]:
        """One amplifier's size in pixels."""
        return GEOMETRY[self.physical_type]

    @property
    def size(self) -> tuple[int, int]:
        """The detector's size in pixels."""
        w, h = self.amp_size
        return 8 * w, (1 if self.purpose == "WAVEFRONT" else 2) * h

    def amp_boxes(self) -> list[dict]:
        """The amplifiers' boxes in the assembled detector."""
        w, h = self.amp_size
        out = []
        for order, name in enumerate(self.amps):
            row, col = int(name[1]), int(name[2])
            y0 = 0 if self.purpose == "WAVEFRONT" else row * h
            out.append(
                {"name": name, "readoutOrder": order, "bbox": {"x0": col * w, "y0": y0, "width": w, "height": h}}
            )
        return out


@dataclass
class PackageSpec:
    """What a synthetic package holds: instrument, camera, types, dates and the seed."""

    instrument: str
    camera_name: str
    detectors: list[DetectorSpec]
    filters: list[tuple[str, str]]
    start: datetime = datetime(2024, 1, 1)
    created: datetime = datetime(2024, 1, 2, 9, 30, 0)
    author: str = "obscal example generator"
    seed: int = 1
    types: tuple[str, ...] = (
        "defects", "manual_defects", "crosstalk", "linearizer", "qe_curve", "bfk", "transmission_optics",
        "transmission_sensor", "transmission_filter", "transmission_filter_detector", "transmission_atmosphere",
        "transmission_system",
    )  # fmt: skip
    wavelength_step: float = 5.0
    camera_epochs: list[tuple[datetime, dict[str, str]]] = field(default_factory=list)
    extra_epochs: list[tuple[str, str, datetime, str]] = field(default_factory=list)


class Writer:
    """Writes one package under ``root``; every value comes from ``spec`` and its seed."""

    def __init__(self, spec: PackageSpec, root: Path) -> None:
        self.spec = spec
        self.base = root / spec.instrument
        self.rng = np.random.default_rng(spec.seed)
        self.count = 0

    # ---------------------------------------------------------------- metadata

    def metadata(
        self,
        calib_type: str,
        start: datetime,
        det: DetectorSpec | None = None,
        filt: str | None = None,
        reason: str = "initial version",
        extra: dict | None = None,
        version: str | None = None,
    ) -> dict:
        """The DMTN-148 header of a generated file (:func:`obscal.model.identity.standard_metadata`)."""
        s = self.spec
        cls = registry.for_dataset_type(calib_type)
        assert cls is not None, calib_type
        extra = dict(extra or {})
        if det is not None:
            raft, slot = ([*det.name.split("_"), ""])[:2]
            extra = {"RAFTNAME": raft, "SLOTNAME": slot, **extra}
        md = standard_metadata(
            cls,
            calib_type,
            instrument=s.instrument,
            valid_start=start,
            created=creation_pair(s.created),
            detector=Detector(det.id, det.name, self.serial(det, start), det.purpose, det.physical_type, None, ())
            if det is not None
            else None,
            physical_filter=filt,
            version=version,
            extra=extra,
        )
        md[EDIT_HISTORY] = [format_edit_record(s.created, s.author, reason)]
        return md

    def serial(self, det: DetectorSpec, start: datetime) -> str:
        """The detector's serial per the camera epoch in force at ``start``."""
        serial = det.serial
        for epoch, serials in sorted(self.spec.camera_epochs):
            if epoch <= start:
                serial = serials.get(det.name, serial)
        return serial

    def path(
        self,
        calib_type: str,
        start: datetime,
        det: DetectorSpec | None = None,
        filt: str | None = None,
        ext: str = "ecsv",
    ) -> Path:
        """Where a generated file goes in the package layout."""
        parts = [calib_type]
        if det is not None:
            parts.append(dirname(det.name))
        if filt is not None:
            parts.append(dirname(filt))
        return self.base.joinpath(*parts, f"{format_stem(start)}.{ext}")

    def table(self, path: Path, columns: list[ecsv.Column], meta: dict, quantity: bool = False) -> None:
        """Write one ECSV calibration (optionally with astropy Quantity columns)."""
        serialized = None
        if quantity:
            units = {c.name: c.unit for c in columns if c.unit is not None}
            serialized = ecsv.quantity_columns(list(units), units)
        write_atomic(path, ecsv.write(Table(columns, meta, serialized_columns=serialized)))
        self.count += 1

    def yaml(self, path: Path, content: dict) -> None:
        """Write one YAML calibration."""
        write_atomic(path, dump_yaml(content))
        self.count += 1

    # ---------------------------------------------------------------- types

    def camera(self, start: datetime, serials: dict[str, str]) -> None:
        """Write the camera description valid from ``start``."""
        s = self.spec
        dets = []
        for d in s.detectors:
            w, h = d.size
            dets.append(
                {
                    "id": d.id,
                    "name": d.name,
                    "serial": serials.get(d.name, d.serial),
                    "purpose": d.purpose,
                    "physicalType": d.physical_type,
                    "bbox": {"x0": 0, "y0": 0, "width": w, "height": h},
                    "amplifiers": d.amp_boxes(),
                }
            )
        md = self.metadata(
            "camera",
            start,
            reason="camera geometry from the vendor data sheets",
        )
        self.yaml(
            self.path("camera", start, ext="yaml"),
            {
                "metadata": md,
                "name": s.camera_name,
                "detectors": dets,
                "physicalFilters": [{"name": n, "band": b} for n, b in s.filters],
            },
        )

    def defects(self, calib_type: str, det: DetectorSpec, start: datetime, reason: str, nbox: int) -> None:
        """Write a defects (or manual_defects) file."""
        w, h = det.size
        rows = []
        for _ in range(nbox):
            kind = self.rng.integers(3)
            if kind == 0:  # bad column
                x = int(self.rng.integers(0, w))
                y = int(self.rng.integers(0, h // 2))
                rows.append((x, y, 1, h - y))
            elif kind == 1:  # hot spot
                bw, bh = (int(v) for v in self.rng.integers(2, 60, size=2))
                rows.append((int(self.rng.integers(0, w - bw)), int(self.rng.integers(0, h - bh)), bw, bh))
            else:  # edge rolloff
                rows.append((0, 0, int(self.rng.integers(5, 20)), h))
        cols = [
            Column(n, "int64", np.array([r[i] for r in rows], dtype=np.int64))
            for i, n in enumerate(("x0", "y0", "width", "height"))
        ]
        md = self.metadata(calib_type, start, det, reason=reason)
        self.table(self.path(calib_type, start, det), cols, md)

    def crosstalk(self, det: DetectorSpec, start: datetime, reason: str = "initial version") -> None:
        """Write a crosstalk file (ECSV, one row of matrices)."""
        n = len(det.amps)
        coeffs = np.zeros((n, n))
        for i in range(n):
            for j in range(n):
                if i != j:
                    same_row = (i < 8) == (j < 8)
                    dist = abs(i - j) if same_row else 8 + abs(i - j)
                    coeffs[i, j] = float(self.rng.normal(2e-4, 4e-5)) / dist
        errors = np.abs(coeffs) * 0.02
        counts = np.where(coeffs != 0, 50, 0).astype(np.int64)
        valid = coeffs != 0
        flat = lambda a: [a.ravel()]  # noqa: E731
        sub = lambda base, k: f"{base}[{k}]"  # noqa: E731
        cols = [
            Column("CT_COEFFS", "string", flat(coeffs), subtype=sub("float64", n * n)),
            Column("CT_ERRORS", "string", flat(errors), subtype=sub("float64", n * n)),
            Column("CT_COUNTS", "string", flat(counts), subtype=sub("int64", n * n)),
            Column("CT_VALID", "string", flat(valid), subtype=sub("bool", n * n)),
            Column("CT_COEFFS_SQR", "string", flat(coeffs * 1e-7), subtype=sub("float64", n * n)),
            Column("CT_ERRORS_SQR", "string", flat(errors * 1e-7), subtype=sub("float64", n * n)),
            Column(
                "CT_AMP_GAIN_RATIOS",
                "string",
                flat(1 + self.rng.normal(0, 0.01, (n, n))),
                subtype=sub("float64", n * n),
            ),
            Column("CT_FIT_GAINS", "string", [1.5 + self.rng.normal(0, 0.05, n)], subtype=sub("float64", n)),
        ]
        md = self.metadata(
            "crosstalk",
            start,
            det,
            filt=None,
            reason=reason,
            extra={
                "DETECTOR_NAME": det.name,
                "DETECTOR_SERIAL": self.serial(det, start),
                "HAS_CROSSTALK": True,
                "NAMP": n,
                "CROSSTALK_SHAPE": [n, n],
                "CROSSTALK_RATIOS_UNITS": "electron",
            },
        )
        self.table(self.path("crosstalk", start, det), cols, md)

    def linearizer(self, det: DetectorSpec, start: datetime, reason: str = "initial version") -> None:
        """Write a linearizer file."""
        _w, _h = det.amp_size
        nodes = np.linspace(0, 100000, 8)
        names, kinds, coeffs, boxes = [], [], [], []
        for amp in det.amp_boxes():
            values = -1e-6 * nodes**1.2 * (1 + self.rng.normal(0, 0.05)) + self.rng.normal(0, 0.5, nodes.size)
            values[0] = 0.0
            names.append(amp["name"])
            kinds.append("Spline")
            coeffs.append(np.concatenate([nodes, values]))
            b = amp["bbox"]
            boxes.append((b["x0"], b["y0"], b["width"], b["height"]))
        cols = [
            Column("AMPLIFIER_NAME", "string", np.array(names)),
            Column("TYPE", "string", np.array(kinds)),
            Column("COEFFS", "string", coeffs, subtype=f"float64[{2 * nodes.size}]"),
        ]
        cols += [
            Column(n, "int64", np.array([b[i] for b in boxes], dtype=np.int64))
            for i, n in enumerate(("BBOX_X0", "BBOX_Y0", "BBOX_DX", "BBOX_DY"))
        ]
        md = self.metadata(
            "linearizer",
            start,
            det,
            reason=reason,
            extra={"HAS_LINEARITY": True, "OVERRIDE": False, "HAS_TABLE": False, "LINEARITY_UNITS": "adu"},
        )
        self.table(self.path("linearizer", start, det), cols, md)

    def _qe(self, wave: np.ndarray, det: DetectorSpec) -> np.ndarray:
        peak = 92.0 if det.physical_type == "E2V" else 88.0
        red = 1 / (1 + np.exp((wave - (980 if det.physical_type == "ITL" else 960)) / 35))
        blue = 1 / (1 + np.exp(-(wave - 360) / 25))
        return peak * red * blue

    def amp_curve(
        self,
        calib_type: str,
        det: DetectorSpec,
        start: datetime,
        extra: dict,
        reason: str = "initial version",
    ) -> None:
        """Write a per-amplifier curve (QE or sensor transmission)."""
        wave = np.arange(320.0, 1101.0, self.spec.wavelength_step * 4, dtype=np.float32)
        amps, waves, eff = [], [], []
        for amp in sorted(det.amps):
            amps += [amp] * wave.size
            waves.append(wave)
            eff.append(np.clip(self._qe(wave.astype(float), det) * (1 + self.rng.normal(0, 0.01)), 0, 100))
        cols = [
            Column("amp_name", "string", np.array(amps)),
            Column("wavelength", "float32", np.concatenate(waves), unit="nm"),
            Column("efficiency", "float64", np.concatenate(eff), unit="%"),
        ]
        md = self.metadata(calib_type, start, det, reason=reason, extra=extra)
        self.table(self.path(calib_type, start, det), cols, md, quantity=True)

    def curve(
        self,
        calib_type: str,
        short: str,
        start: datetime,
        values: np.ndarray,
        wave: np.ndarray,
        det: DetectorSpec | None = None,
        filt: str | None = None,
        mode: str = "DETECTOR",
        reason: str = "initial version",
    ) -> None:
        """Write a transmission curve."""
        cols = [
            Column("wavelength", "float64", wave, unit="nm"),
            Column("efficiency", "float64", values, unit="%"),
        ]
        md = self.metadata(
            calib_type,
            start,
            det,
            filt,
            reason=reason,
            extra={"MODE": mode, "TYPE": calib_type, "SOURCE": "obscal synthetic model"},
        )
        self.table(self.path(calib_type, start, det, filt), cols, md, quantity=True)

    def filter_curve(self, band: str, wave: np.ndarray, shift: float = 0.0) -> np.ndarray:
        """A filter's transmission in percent: smooth edges around its band."""
        lo, hi = BANDS.get(band, (500, 600))
        edge = 1 / (1 + np.exp(-(wave - lo - shift) / 3)) / (1 + np.exp((wave - hi - shift) / 3))
        return np.round(95.0 * edge, 6)

    def bfk(self, det: DetectorSpec, start: datetime, reason: str = "initial version") -> None:
        """Write a brighter-fatter kernel file (detector level, symmetric, negative sum)."""
        size = 17
        y, x = np.mgrid[-8:9, -8:9]
        kernel = -1.5e-8 / (1 + (x**2 + y**2) / 6.0) * (1 + self.rng.normal(0, 0.02))
        md = self.metadata(
            "bfk",
            start,
            det,
            reason=reason,
            extra={"LEVEL": "DETECTOR", "KERNEL_DX": size, "KERNEL_DY": size},
        )
        self.yaml(
            self.path("bfk", start, det, ext="yaml"),
            {
                "metadata": md,
                "badAmps": [],
                "detKernels": {det.name: kernel.ravel().tolist()},
                "valid": {a: True for a in sorted(det.amps)},
            },
        )

    # ---------------------------------------------------------------- whole package

    def write_all(self) -> int:
        """Write the whole package; return the number of files."""
        s, t = self.spec, set(self.spec.types)
        epochs = s.camera_epochs or [(s.start, {})]
        for start, serials in epochs:
            self.camera(start, serials)
        wave = np.arange(300.0, 1100.0 + 1e-9, s.wavelength_step)
        for det in s.detectors:
            if "defects" in t:
                self.defects("defects", det, s.start, "defects from the 2023-12 flat and dark campaign", 6)
            if "manual_defects" in t:
                self.defects("manual_defects", det, s.start, "vampire pixels masked by eye", 1)
            if "crosstalk" in t:
                self.crosstalk(det, s.start)
            if "linearizer" in t:
                self.linearizer(det, s.start)
            if "qe_curve" in t and det.purpose == "SCIENCE":
                self.amp_curve("qe_curve", det, s.start, {"MODE": "AMP", "TYPE": "QE"})
            if "bfk" in t and det.purpose == "SCIENCE":
                self.bfk(det, s.start)
            if "transmission_sensor" in t and det.purpose == "SCIENCE":
                self.amp_curve(
                    "transmission_sensor",
                    det,
                    s.start,
                    {"MODE": "AMP", "TYPE": "transmission_sensor"},
                )
            for name, band in s.filters:
                shift = float(self.rng.normal(0, 1.0))
                if "transmission_filter_detector" in t:
                    self.curve(
                        "transmission_filter_detector",
                        "FilterDetector",
                        s.start,
                        self.filter_curve(band, wave, shift),
                        wave,
                        det,
                        name,
                    )
                if "transmission_system" in t:
                    system = self.filter_curve(band, wave, shift) * self._qe(wave, det) / 100 * 0.8
                    self.curve("transmission_system", "System", s.start, np.round(system, 6), wave, det, name)
        if "transmission_optics" in t:
            self.curve(
                "transmission_optics",
                "Optics",
                s.start,
                np.round(90 - 8 * np.exp(-(wave - 300) / 60), 6),
                wave,
                mode="CAMERA",
            )
        if "transmission_atmosphere" in t:
            atm = 100 * np.exp(-0.12 * (400 / wave) ** 4 - 0.02)
            self.curve("transmission_atmosphere", "Atmosphere", s.start, np.round(atm, 6), wave, mode="CAMERA")
        if "transmission_filter" in t:
            for name, band in s.filters:
                self.curve(
                    "transmission_filter",
                    "Filter",
                    s.start,
                    self.filter_curve(band, wave),
                    wave,
                    filt=name,
                    mode="CAMERA",
                )
        dets = {d.name: d for d in s.detectors}
        for calib_type, det_name, start, reason in s.extra_epochs:
            det = dets[det_name]
            if calib_type in ("defects", "manual_defects"):
                self.defects(calib_type, det, start, reason, 7)
            elif calib_type == "crosstalk":
                self.crosstalk(det, start, reason)
            elif calib_type == "linearizer":
                self.linearizer(det, start, reason)
            elif calib_type == "bfk":
                self.bfk(det, start, reason)
            elif calib_type in ("qe_curve", "transmission_sensor"):
                kind = "QE" if calib_type == "qe_curve" else calib_type
                self.amp_curve(calib_type, det, start, {"MODE": "AMP", "TYPE": kind}, reason)
            elif calib_type in ("transmission_filter_detector", "transmission_system"):
                for name, band in s.filters:
                    values = self.filter_curve(band, wave, float(self.rng.normal(0, 1.0)))
                    if calib_type == "transmission_system":
                        values = np.round(values * self._qe(wave, det) / 100 * 0.8, 6)
                    short = "FilterDetector" if calib_type == "transmission_filter_detector" else "System"
                    self.curve(calib_type, short, start, values, wave, det, name, reason=reason)
            else:
                raise ValueError(f"no extra epoch for {calib_type}")
        return self.count


def example_spec() -> PackageSpec:
    """ExampleCam: 4 detectors (2 E2V, 2 ITL), 3 filters, a sensor swap on 2025-03-01."""
    dets = [
        DetectorSpec(0, "R22_S00", "E2V-CCD250-101", "E2V"),
        DetectorSpec(1, "R22_S01", "E2V-CCD250-102", "E2V"),
        DetectorSpec(2, "R22_S10", "ITL-3800C-201", "ITL"),
        DetectorSpec(3, "R22_S11", "ITL-3800C-202", "ITL"),
    ]
    swap = datetime(2025, 3, 1)
    return PackageSpec(
        instrument="ExampleCam",
        camera_name="ExampleCam",
        detectors=dets,
        filters=[("g_01", "g"), ("r_03", "r"), ("i_06", "i")],
        camera_epochs=[(datetime(2024, 1, 1), {}), (swap, {"R22_S11": "ITL-3800C-311"})],
        extra_epochs=[
            ("defects", "R22_S00", datetime(2024, 6, 15), "new bad column after the 2024-06 warm-up"),
            ("manual_defects", "R22_S00", datetime(2024, 6, 15), "masked the hot spot near the C04 corner"),
            ("defects", "R22_S11", swap, "defects of the replacement sensor ITL-3800C-311"),
            ("crosstalk", "R22_S11", swap, "crosstalk remeasured after the sensor swap"),
            *(
                (calib_type, "R22_S11", swap, "measured on the replacement sensor ITL-3800C-311")
                for calib_type in (
                    "manual_defects",
                    "linearizer",
                    "qe_curve",
                    "bfk",
                    "transmission_sensor",
                    "transmission_filter_detector",
                    "transmission_system",
                )
            ),
        ],
    )


def lsstcam_spec(seed: int = 7) -> PackageSpec:
    """LSSTCam-like: 189 science CCDs, 8 guiders, 8 wavefront sensors; 6 filters; 1-nm curves."""
    dets: list[DetectorSpec] = []
    rafts = [f"R{r}{c}" for r in range(5) for c in range(5) if (r, c) not in ((0, 0), (0, 4), (4, 0), (4, 4))]
    slots = [f"S{r}{c}" for r in range(3) for c in range(3)]
    for ri, raft in enumerate(rafts):
        kind = "E2V" if ri % 3 else "ITL"
        for si, slot in enumerate(slots):
            i = ri * 9 + si
            dets.append(DetectorSpec(i, f"{raft}_{slot}", f"{kind}-{1000 + i}", kind))
    i = len(dets)
    for raft in ("R00", "R04", "R40", "R44"):
        for slot, purpose in (("SG0", "GUIDER"), ("SG1", "GUIDER"), ("SW0", "WAVEFRONT"), ("SW1", "WAVEFRONT")):
            dets.append(DetectorSpec(i, f"{raft}_{slot}", f"ITL-{2000 + i}", "ITL", purpose))
            i += 1
    return PackageSpec(
        instrument="LSSTCam",
        camera_name="LSSTCam",
        detectors=dets,
        filters=[("u_24", "u"), ("g_6", "g"), ("r_57", "r"), ("i_39", "i"), ("z_20", "z"), ("y_10", "y")],
        seed=seed,
        wavelength_step=1.0,
        types=(
            "defects",
            "manual_defects",
            "crosstalk",
            "linearizer",
            "qe_curve",
            "bfk",
            "transmission_optics",
            "transmission_sensor",
            "transmission_filter",
            "transmission_filter_detector",
        ),
        extra_epochs=[("defects", d.name, datetime(2025, 6, 1), "defects after the 2025 warm-up") for d in dets],
    )


def write_package(spec: PackageSpec, root: Path) -> int:
    """Write the package for ``spec`` under ``root``; return the number of files."""
    return Writer(spec, Path(root)).write_all()


def write_committed_package(spec: PackageSpec, repo_dir: Path, message: str) -> int:
    """Write the package under ``repo_dir/obs_data`` and commit it to a new git repository there (benchmarks)."""
    import git

    n = write_package(spec, Path(repo_dir) / "obs_data")
    repo = git.Repo.init(repo_dir)
    repo.git.add(A=True)
    actor = git.Actor("bench", "bench@example.org")
    repo.index.commit(message, author=actor, committer=actor)
    return n


# ------------------------------------------------------------------------------------------ DECam-sized linearizers


def decam_linearizer_text(detector: int, name: str, rng: np.random.Generator, table: int = 65536) -> str:
    """A linearizer in the layout of DECam's YAML files: LSST Python tags, PropertyList metadata and a
    lookup table of two rows of ``table`` numbers, one per line (2.4 MB at the real size)."""
    out = ["amplifiers:"]
    for i, amp in enumerate(("A", "B")):
        x0 = 1024 * i
        out += [
            f"  {amp}:",
            "    fitChiSq: .nan",
            "    fitParams: []",
            "    fitParamsErr: []",
            "    linearityBBox: !!python/object/apply:lsst.geom.Box2I",
            "    - !!python/object/apply:lsst.geom.Point2I",
            f"      - {x0}",
            "      - 0",
            "    - !!python/object/apply:lsst.geom.Point2I",
            f"      - {x0 + 1023}",
            "      - 4095",
            "    linearityCoeffs:",
            f"    - {i}",
            "    - 0",
            "    linearityType: LookupTable",
        ]
    out += [f"detectorId: {detector}", f"detectorName: {name}", f"detectorSerial: '{detector}'", "hasTable: true"]
    out.append("metadata: !<lsst.daf.base.PropertyList>")
    rows = [
        ("OBSTYPE", "String", "LINEARIZER"), ("LINEARIZER_SCHEMA", "String", "Gen3 Linearizer"),
        ("LINEARIZER_VERSION", "Double", "1.1"), ("INSTRUME", "String", "DECam"), ("RAFTNAME", "Undef", "null"),
        ("SLOTNAME", "Undef", "null"), ("DETECTOR", "Int", str(detector)), ("DET_NAME", "String", name),
        ("DET_SER", "String", f"'{detector}'"), ("FILTER", "Undef", "null"),
        ("CALIB_ID", "String", f"instrument=DECam detectorName={name} detector={detector}"),
        ("HAS_LINEARITY", "Bool", "true"), ("OVERRIDE", "Bool", "false"), ("HAS_TABLE", "Bool", "true"),
        ("CALIBDATE", "String", "'1970-01-01T00:00:00'"),
    ]  # fmt: skip
    for key, kind, value in rows:
        out += [f"- - {key}", f"  - {kind}", f"  - {value}", "  - ''"]
    out.append("tableData:")
    signal = np.arange(table, dtype=np.float64)
    for _ in range(2):
        values = 1e-7 * signal**1.5 * (1 + rng.normal(0, 0.01)) + rng.normal(0, 0.01, table)
        values[0] = 0.0
        out.append(f"- - {float(values[0])!r}")
        out.extend(f"  - {v!r}" for v in values[1:].tolist())
    return "\n".join(out) + "\n"


def write_decam_linearizers(root: Path, count: int = 62, table: int = 65536, seed: int = 11) -> int:
    """``count`` DECam-sized linearizers under ``root/decam/linearizer/n<i>/`` (for benchmarks); return ``count``."""
    rng = np.random.default_rng(seed)
    for i in range(count):
        name = f"N{i + 1}"
        path = Path(root) / "decam" / "linearizer" / dirname(name) / "1970-01-01T00:00:00.yaml"
        write_atomic(path, decam_linearizer_text(i + 1, name, rng, table))
    return count
