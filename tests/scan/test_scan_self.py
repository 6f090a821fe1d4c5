"""The package's own source keeps legacy names only in declarations, each marked with an ignore comment."""

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "toggles_migration"


def test_the_scanner_source_names_no_legacy_backend_or_retired_toggle(run_cli):
    status, output, _ = run_cli(["scan", "scan", "--fail-on", "info"], PACKAGE)
    assert (status, output.splitlines()[-1].split(";")[0]) == (0, "0 findings (0 error, 0 warning, 0 info) in 0 files")


def test_the_package_source_passes_its_own_scan(run_cli):
    status, output, _ = run_cli(["scan", ".", "--fail-on", "error"], PACKAGE)
    assert status == 0, output
