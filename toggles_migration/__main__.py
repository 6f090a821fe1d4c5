"""Run the command line as ``python -m toggles_migration scan PATH...``."""

import sys

from toggles_migration.scan.cli import main

if __name__ == "__main__":
    sys.exit(main())
