"""The model: what a calibration is, independent of any file format or storage.

Calibrations and their tables, the camera, identities (keys, ids, directory names), instants,
validity ranges, the package layout, and the problems found in them. Imports nothing else of obscal.
"""
