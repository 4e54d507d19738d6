#!/usr/bin/env python3
"""Check JSON Schema files against the JSON Schema metaschema they declare: ``python tools/check_schemas.py FILE…``.

Every file must be JSON with a ``$schema`` of draft 2020-12 and be a valid schema of that draft. Prints one
line per problem (file and what is wrong) and exits 1 when there is one.
"""

import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def main(paths: list[str]) -> int:
    problems = []
    for name in paths:
        path = Path(name)
        if path.name == "released.json":
            continue  # the frozen digests, not a schema
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: not readable JSON: {exc}")
            continue
        if not isinstance(schema, dict) or schema.get("$schema") != DRAFT:
            problems.append(f"{path}: $schema must be {DRAFT}")
            continue
        try:
            Draft202012Validator.check_schema(schema)
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.absolute_path) or "(top)"
            problems.append(f"{path}: at {where}: {exc.message}")
    for line in problems:
        print(line)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
