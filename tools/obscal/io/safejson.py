"""JSON calibration files: the same nested mapping as YAML, parsed with duplicate keys refused."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from obscal.io import safeyaml, typedjson
from obscal.model.lines import LineIndex
from obscal.model.problems import ParseError

if TYPE_CHECKING:
    from obscal.model.calibration import Calibration
    from obscal.model.document import Document


def _reject_duplicate_pairs(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ParseError(f"duplicate key {key!r}")
        out[key] = value
    return out


def load(path: Path, text: str) -> Document:
    """Parse JSON text into a document.

    Raises
    ------
    ParseError
        Invalid JSON (with its line), a duplicate key, or no ``metadata`` mapping.
    """
    try:
        content = json.loads(text, object_pairs_hook=_reject_duplicate_pairs)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc.msg}", line=exc.lineno) from None
    except RecursionError:
        raise ParseError(f"invalid JSON: nesting deeper than {safeyaml.MAX_DEPTH} levels") from None
    return safeyaml.document_from_mapping(path, "json", content, LineIndex())


def dump(calib: Calibration) -> str:
    """The JSON text of a calibration (typed JSON keeps NaN, dates and tags)."""
    return json.dumps(typedjson.encode(safeyaml.text_content(calib)), indent=2, allow_nan=True) + "\n"
