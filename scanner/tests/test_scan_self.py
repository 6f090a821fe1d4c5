"""The repository's own source keeps legacy names only in declarations, each marked with an ignore comment."""

from pathlib import Path

DISTRIBUTION = Path(__file__).resolve().parents[1]


def test_the_scanner_source_names_no_legacy_backend_or_retired_toggle(run_cli):
    status, output, _ = run_cli(["toggles_migration_scan", "--fail-on", "info"], DISTRIBUTION)
    assert (status, output.splitlines()[-1].split(";")[0]) == (0, "0 findings (0 error, 0 warning, 0 info) in 0 files")


def test_the_app_source_passes_the_scan(run_cli):
    status, output, _ = run_cli(["toggles_migration", "--fail-on", "error"], DISTRIBUTION.parent)
    assert status == 0, output
