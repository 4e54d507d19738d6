import sys

from obscal.cli.main import main

sys.exit(main())
