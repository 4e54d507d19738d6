"""Unit classification for curves, without importing astropy unless a unit is unusual."""

from __future__ import annotations

_LENGTH_NM = {
    "nm": 1.0, "Angstrom": 0.1, "angstrom": 0.1, "AA": 0.1, "um": 1e3, "micron": 1e3, "mm": 1e6, "cm": 1e7,
    "m": 1e9, "pm": 1e-3,
}  # fmt: skip
_FRACTION = {None: 1.0, "": 1.0, "-": 1.0, "dimensionless": 1.0, "%": 0.01, "percent": 0.01}


def _astropy_scale(unit: str, target: str) -> float | None:
    try:
        import astropy.units as u

        return float(u.Unit(unit).to(u.Unit(target)))
    except Exception:
        return None


def length_scale_nm(unit: str | None) -> float | None:
    """Factor converting ``unit`` to nanometres, or None when it is not a length."""
    if unit is None:
        return None
    if unit in _LENGTH_NM:
        return _LENGTH_NM[unit]
    return _astropy_scale(unit, "nm")


def fraction_scale(unit: str | None) -> float | None:
    """Factor converting an efficiency/throughput unit to a plain fraction, or None."""
    if unit in _FRACTION:
        return _FRACTION[unit]
    return _astropy_scale(unit, "") if unit else None
