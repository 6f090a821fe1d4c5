"""Run the performance suite: ``python -m bench [--size tiny|full] [--database sqlite|mysql|postgresql]``."""

import argparse
import os
import platform
import sys
import time

SIZES = {
    "full": {
        "flags": 1000,
        "override_rows": 1_000_000,
        "retired_rows": 20_000,
        "courses": 50_000,
        "orgs": 200,
        "capture_rows": 200_000,
        "distinct_keys": 1_000_000,
        "known_courses": 200_000,
        "retired_reads": 1_000_000,
        "lookups": 200_000,
        "scan_files": 30_000,
        "scan_hits": 300,
        "scan_hits_in_one_file": 8_000,
        "scan_parsed_bytes": 1_000_000,
    },
    "tiny": {
        "flags": 10,
        "override_rows": 2_000,
        "retired_rows": 400,
        "courses": 2_000,  # enough courses that the plan's 20x over per-course reads holds at this size too
        "orgs": 20,
        "capture_rows": 2_000,
        "distinct_keys": 5_000,
        "known_courses": 1_000,
        "retired_reads": 2_000,
        "lookups": 2_000,
        "scan_files": 300,
        "scan_hits": 10,
        "scan_hits_in_one_file": 1_000,
        "scan_parsed_bytes": 100_000,
    },
}


def main(argv=None):
    """Build the data, print one line per figure, exit 1 when a target is missed."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--database", choices=("sqlite", "mysql", "postgresql"), default="sqlite")
    parser.add_argument("--figures", help="comma-separated names of the figures to run (default: all)")
    options = parser.parse_args(argv)
    os.environ["DJANGO_SETTINGS_MODULE"] = "test_settings"
    os.environ["TOGGLES_MIGRATION_TEST_DB"] = options.database
    # Its own database, next to (never the same as) the test database the tests running it may be using.
    prefix = os.environ.get("TOGGLES_MIGRATION_TEST_DB_NAME", "toggles_migration")
    os.environ["TOGGLES_MIGRATION_TEST_DB_NAME"] = f"{prefix}_bench_{options.size}"

    import django

    django.setup()
    import logging
    import warnings

    from django.db import connection

    from bench.figures import FIGURES

    names = options.figures.split(",") if options.figures else []
    chosen = [figure for figure in FIGURES if figure.__name__ in names]
    if len(chosen) != len(names):
        parser.error(f"--figures takes names among: {', '.join(figure.__name__ for figure in FIGURES)}")

    warnings.simplefilter("ignore")
    logging.getLogger("edx_toggles").setLevel(logging.ERROR)
    logging.getLogger("toggles_migration.state").setLevel(logging.ERROR)
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    print(
        f"# openedx-toggles-migration benchmarks: size {options.size}, database {connection.vendor}, "
        f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs",
        flush=True,
    )
    failed = 0
    try:
        for figure in chosen or FIGURES:
            start = time.monotonic()
            for line in figure(SIZES[options.size]):
                text = line if isinstance(line, str) else line.line()
                failed += 0 if isinstance(line, str) or line.passed else 1
                print(text, flush=True)
            print(f"#   ({figure.__name__} took {time.monotonic() - start:.1f} s)", flush=True)
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)
    print(f"# {failed} target(s) missed" if failed else "# every target met", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
