"""``python -m obscal``: the command line."""

import sys

from obscal.cli.main import main

sys.exit(main())
