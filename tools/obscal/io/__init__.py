"""Formats: one module per file format (ECSV, YAML, JSON, FITS), registered in :mod:`obscal.model.formats`.

A format knows bytes, not calibration meaning (daf_butler's formatter vs storage class): readers
turn bytes into the model's :class:`~obscal.model.document.Document`, writers the reverse. Adding a
text format is one module here and one :func:`~obscal.model.formats.register` line below.
"""

from obscal.model.formats import Format, register

register(Format("ecsv", (".ecsv",), "obscal.io.ecsv"))
register(Format("yaml", (".yaml",), "obscal.io.safeyaml"))
register(Format("json", (".json",), "obscal.io.safejson"))
register(Format("fits", (".fits", ".fit", ".fts"), "obscal.io.fits", text=False, in_package=False))
