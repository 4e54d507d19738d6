"""Calibration types: one module each. Every module here is imported by the registry."""
