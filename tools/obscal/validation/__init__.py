"""Validation: JSON Schemas, semantic checks and the validator pipeline (find, parse, check, record)."""
