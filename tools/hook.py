#!/usr/bin/env python3
"""Run obscal from this checkout (``tools/``) in pre-commit's own environment: ``python tools/hook.py ARGS``.

This repository's ``.pre-commit-config.yaml`` uses it so that the hook works after ``pre-commit install``
in a fresh clone, with nothing on ``PATH``: pre-commit installs obscal's dependencies (the same list as
``pyproject.toml``, checked by a test) and this script puts the checkout's package first on ``sys.path``.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from obscal.cli.main import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
