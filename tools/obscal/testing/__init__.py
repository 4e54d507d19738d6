"""Helpers for tests and benchmarks: synthetic packages and calibration comparisons (not used at run time)."""
