"""Are two calibrations the same, value for value and bit for bit? (Used to prove round trips.)"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from obscal.io import typedjson

if TYPE_CHECKING:
    from obscal.io import ecsv
    from obscal.model.calibration import Calibration


def differences(a: Calibration, b: Calibration) -> list[str]:
    """What differs between ``a`` and ``b`` (empty when they are the same calibration)."""
    out: list[str] = []
    if a.dataset_type != b.dataset_type:
        out.append(f"type {a.dataset_type!r} != {b.dataset_type!r}")
    ma, mb = a.getMetadata(), b.getMetadata()
    if list(ma) != list(mb):
        out.append(f"metadata keys differ: {_diff_keys(list(ma), list(mb))}")
    out.extend(f"metadata {k}: {ma[k]!r} != {mb[k]!r}" for k in ma if k in mb and not _same(ma[k], mb[k]))
    ta, tb = a.tables(), b.tables()
    if len(ta) != len(tb):
        out.append(f"{len(ta)} tables != {len(tb)}")
    for i, (x, y) in enumerate(zip(ta, tb, strict=False)):
        out.extend(f"table {i}: {d}" for d in table_differences(x, y))
    if (a._content is None) != (b._content is None):
        out.append("one is a table, the other a YAML mapping")
    elif a._content is not None:
        ca = {k: v for k, v in a.toDict().items() if k != "metadata"}
        cb = {k: v for k, v in b.toDict().items() if k != "metadata"}
        if list(a.toDict()) != list(b.toDict()):
            out.append(f"top-level keys differ: {_diff_keys(list(a.toDict()), list(b.toDict()))}")
        out.extend(f"{k}: values differ" for k in ca if k in cb and not _same(ca[k], cb[k]))
    return out


def table_differences(a: ecsv.Table, b: ecsv.Table) -> list[str]:
    """What differs between two tables (empty when they are the same)."""
    out = []
    if a.colnames != b.colnames:
        return [f"columns {a.colnames} != {b.colnames}"]
    if a.ecsv_version != b.ecsv_version:
        out.append(f"ECSV version {a.ecsv_version} != {b.ecsv_version}")
    if not _same(a.serialized_columns or {}, b.serialized_columns or {}):
        out.append("serialized-column records differ")
    for x, y in zip(a.columns, b.columns, strict=True):
        if x.declaration() != y.declaration():
            out.append(f"column {x.name}: declaration {x.declaration()} != {y.declaration()}")
        elif not _same_data(x.data, y.data):
            out.append(f"column {x.name}: values differ")
    return out


def _same_data(x: Any, y: Any) -> bool:
    if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
        if x.dtype.kind in "US" or y.dtype.kind in "US":
            return x.tolist() == y.tolist()
        return x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    if isinstance(x, list) and isinstance(y, list):
        return len(x) == len(y) and all(_same_data(p, q) for p, q in zip(x, y, strict=True))
    return _same(x, y)


def _same(x: Any, y: Any) -> bool:
    return typedjson.same(typedjson.encode(x), typedjson.encode(y))


def _diff_keys(a: list, b: list) -> str:
    only_a = [k for k in a if k not in b]
    only_b = [k for k in b if k not in a]
    if not only_a and not only_b:
        return "same keys, different order"
    return f"only in first {only_a}, only in second {only_b}"
