"""What the validity model needs of a calibration file in storage: its start, explicit end and deprecation record."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from obscal.model.formats import read_document
from obscal.model.instants import parse_metadata_instant
from obscal.model.layout import start_of
from obscal.model.validity import Entry
from obscal.store import deprecation
from obscal.store.trees import Tree, WorkTree


def explicit_end_in(path: Path, data: bytes) -> datetime | None:
    """The ``VALIDEND`` a calibration file's metadata sets, or None (the file is parsed only if it may have one).

    Raises
    ------
    ParseError
        The file cannot be parsed, or ``VALIDEND`` is not a date.
    """
    if b"VALIDEND" not in data:
        return None
    value = read_document(path, data).metadata.get("VALIDEND")
    return None if value is None else parse_metadata_instant(value, "VALIDEND")


def entry_on_disk(path: Path) -> Entry:
    """The entry of a calibration file on disk.

    Raises
    ------
    ParseError
        The name, the file or its deprecation record cannot be read.
    OSError
        The file cannot be opened.
    """
    side = deprecation.sidecar_of(path)
    return entry_in_tree(WorkTree(path.parent), path.parent, path.name, {side.name} if side.is_file() else set())


def entry_in_tree(tree: Tree, root: Path, rel: str, names: set[str]) -> Entry:
    """The entry of the file ``rel`` of a tree (``names``: every file of the tree, to find its record).

    Raises
    ------
    ParseError
        The name, the file or its deprecation record cannot be read.
    """
    path = root / rel
    side = rel.rsplit(".", 1)[0] + deprecation.SUFFIX
    record = deprecation.parse(tree.read(side)) if side in names else None
    return Entry(path, start_of(path), explicit_end_in(path, tree.read(rel)), record)
