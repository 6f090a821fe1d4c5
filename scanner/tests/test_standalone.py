"""The scanner stands alone: it loads no Django, django-waffle, edx-toggles or Open edX library, nor the app."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from toggles_migration_scan import __version__

DISTRIBUTION = Path(__file__).resolve().parents[1]
HEAVY_PACKAGES = ("django", "waffle", "edx_toggles", "edx_django_utils", "opaque_keys", "toggles_migration")

# Runs ``action`` in a fresh interpreter with ``sys.argv`` from the command line, then prints the heavy modules
# loaded, on one line.
PROBE = """
import runpy, sys
sys.argv = ["toggles-migration-scan", *sys.argv[1:]]
try:
    {action}
except SystemExit:
    pass
print("LOADED:", *sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}))
"""
ENTRY_POINTS = {
    # python -m toggles_migration_scan
    "module": 'runpy.run_module("toggles_migration_scan", run_name="__main__", alter_sys=True)',
    # the toggles-migration-scan console script (pyproject.toml's entry point)
    "console-script": "from toggles_migration_scan.cli import main; sys.exit(main())",
}


def probe(action, *argv):
    """Return the heavy modules that ``action`` loads."""
    completed = run_python("-c", PROBE.format(action=action, heavy=HEAVY_PACKAGES), *argv)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()[-1].split()[1:]


def run_python(*arguments):
    """Run a fresh interpreter in the distribution's folder, without Django settings."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, *arguments],
        cwd=DISTRIBUTION,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    "argv",
    [["tests/corpus/app/exams.py"], ["toggles_migration_scan", "--format", "sarif"], ["--version"]],
)
def test_the_scanner_loads_no_django_waffle_edx_library_or_the_app(entry, argv):
    assert probe(ENTRY_POINTS[entry], *argv) == []


def test_the_probe_sees_heavy_modules_when_they_are_loaded():
    # A stand-in module under a heavy name: the probe must see it, whether Django is installed or not.
    assert probe("sys.modules['django.conf'] = sys") == ["django.conf"]


@pytest.mark.parametrize(
    "entry", [["-m", "toggles_migration_scan"], ["-c", "from toggles_migration_scan.cli import main; main()"]]
)
def test_version_prints_the_program_name_and_the_scanner_version(entry):
    completed = run_python(*entry, "--version")
    assert (completed.returncode, completed.stdout, completed.stderr) == (
        0,
        f"toggles-migration-scan {__version__}\n",
        "",
    )
