"""Run the command line as ``python -m toggles_migration_scan PATH...``."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
