"""Rewriting a calibration's metadata in place, with proof that no value changed.

``upgrade`` (missing keys filled) and ``record`` (an edit record appended) both change only metadata;
:func:`rewritten` gives the new text and reads it back: every value and every metadata key that was not
meant to change must come back identical, or it raises.
"""

from __future__ import annotations

from pathlib import Path

from obscal.model import formats
from obscal.model.calibration import Calibration
from obscal.model.formats import read_document
from obscal.model.problems import ParseError
from obscal.validation.compare import differences


class RewriteError(RuntimeError):
    """The new text would not keep every value (a bug in obscal: nothing is written)."""


def rewritten(calib: Calibration, path: Path, metadata: dict) -> str:
    """The text of ``calib`` (read from ``path``) with ``metadata`` instead of its own.

    Raises
    ------
    RewriteError
        The new text does not read back, loses a value, or loses a metadata key that ``metadata`` keeps.
    """
    fmt = formats.for_path(path)
    name = fmt.name if fmt is not None else calib.default_format
    copy = type(calib).from_document(calib.source, calib.dataset_type) if calib.source is not None else calib
    copy.setMetadata(dict(metadata))
    text = copy.toText(name)
    try:
        back = type(calib).from_document(read_document(path, text.encode("utf-8")), calib.dataset_type)
    except ParseError as exc:
        raise RewriteError(f"the rewritten text does not read back: {exc.message}") from None
    changed = [d for d in differences(calib, back) if not d.startswith("metadata")]
    meta_back = back.getMetadata()
    changed += [f"metadata {k} not written" for k in metadata if k not in meta_back]
    changed += [f"metadata {k} changed" for k in metadata if k in meta_back and repr(meta_back[k]) != repr(metadata[k])]
    if changed:
        raise RewriteError(f"the rewrite would change values: {'; '.join(changed[:3])}")
    return text
