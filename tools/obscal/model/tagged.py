"""Plain data that carried a data-only YAML tag in the file it came from (asdf's "tagged" idea).

Readers turn the few data-only LSST and astropy tags into these wrappers; writers emit a tag only for
these wrappers and only from :data:`WRITABLE_TAGS` and :data:`WRITABLE_SEQUENCE_TAGS`, never a tag
carried through from input as text. The LSST ``python/object/apply`` tags allowed name value types
(``lsst.geom.Box2I``, ``Point2I``) that the LSST readers build from plain integers; no other is.
"""

from __future__ import annotations

from typing import Any

#: LSST value types written as Python tags by the LSST pipelines (data only: a box, a point, a tuple).
BOX2I_TAG = "tag:yaml.org,2002:python/object/apply:lsst.geom.Box2I"
POINT2I_TAG = "tag:yaml.org,2002:python/object/apply:lsst.geom.Point2I"
TUPLE_TAG = "tag:yaml.org,2002:python/tuple"
#: Tags a writer may emit on a :class:`TaggedSequence` (exactly these, never another ``python/`` tag).
WRITABLE_SEQUENCE_TAGS = frozenset({BOX2I_TAG, POINT2I_TAG, TUPLE_TAG})
ASTROPY_UNIT_TAG = "!astropy.units.Unit"
SERIALIZED_COLUMN_TAG = "!astropy.table.SerializedColumn"
PROPERTYLIST_TAG = "lsst.daf.base.PropertyList"
#: Tags a writer may emit on a :class:`TaggedMapping`.
WRITABLE_TAGS = frozenset({ASTROPY_UNIT_TAG, SERIALIZED_COLUMN_TAG})


class _Tagged:
    """What both tagged containers add to their plain type: the tag, and a constructor taking it."""

    tag: str = ""

    @classmethod
    def with_tag(cls, tag: str, items: Any) -> Any:
        """A tagged container of ``items``."""
        out = cls(items)  # type: ignore[call-arg]
        out.tag = tag
        return out


class TaggedMapping(_Tagged, dict):
    """A mapping that carried a data-only local tag (kept so a writer can emit it again)."""


class TaggedSequence(_Tagged, list):
    """A sequence that carried one of the LSST value tags (Box2I, Point2I, tuple), kept so a writer emits it again."""


class PropertyListData(list):
    """The ``[name, type, value, comment]`` rows of an ``lsst.daf.base.PropertyList`` block."""
