"""Plain data that carried a data-only YAML tag in the file it came from (asdf's "tagged" idea).

Readers turn the few data-only LSST and astropy tags into these wrappers; writers emit a tag only for
these wrappers and only from :data:`WRITABLE_TAGS`, never a tag carried through from input as text.
"""

from __future__ import annotations

ASTROPY_UNIT_TAG = "!astropy.units.Unit"
SERIALIZED_COLUMN_TAG = "!astropy.table.SerializedColumn"
PROPERTYLIST_TAG = "lsst.daf.base.PropertyList"
#: Tags a writer may emit on a :class:`TaggedMapping`.
WRITABLE_TAGS = frozenset({ASTROPY_UNIT_TAG, SERIALIZED_COLUMN_TAG})


class TaggedMapping(dict):
    """A mapping that carried a data-only local tag (kept so a writer can emit it again)."""

    tag: str = ""

    @classmethod
    def with_tag(cls, tag: str, items: dict) -> TaggedMapping:
        """A tagged mapping holding ``items``."""
        out = cls(items)
        out.tag = tag
        return out


class PropertyListData(list):
    """The ``[name, type, value, comment]`` rows of an ``lsst.daf.base.PropertyList`` block."""
