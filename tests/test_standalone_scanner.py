"""The scanner's command line stands alone: it loads no Django, django-waffle, edx-toggles or Open edX library."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

import toggles_migration

REPO_ROOT = Path(__file__).resolve().parent.parent
HEAVY_PACKAGES = ("django", "waffle", "edx_toggles", "edx_django_utils", "opaque_keys")

# Runs ``action`` in a fresh interpreter with ``sys.argv`` from the command line, then prints the heavy modules
# loaded, on one line.
PROBE = """
import runpy, sys
sys.argv = ["toggles-migration", *sys.argv[1:]]
try:
    {action}
except SystemExit:
    pass
print("LOADED:", *sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r}))
"""
ENTRY_POINTS = {
    # python -m toggles_migration
    "module": 'runpy.run_module("toggles_migration", run_name="__main__", alter_sys=True)',
    # the toggles-migration console script (setup.py's entry point)
    "console-script": "from toggles_migration.scan.cli import main; sys.exit(main())",
}


def probe(action, *argv):
    """Return the heavy modules that ``action`` loads."""
    completed = run_python("-c", PROBE.format(action=action, heavy=HEAVY_PACKAGES), *argv)
    assert completed.returncode == 0, completed.stderr
    return completed.stdout.splitlines()[-1].split()[1:]


def run_python(*arguments):
    """Run a fresh interpreter from the repository root, without Django settings."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, *arguments], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
@pytest.mark.parametrize(
    "argv",
    [
        ["scan", "toggles_migration/retirements.py"],
        ["scan", "toggles_migration/scan", "--format", "sarif"],
        ["--version"],
    ],
)
def test_the_scanner_loads_no_django_waffle_or_edx_library(entry, argv):
    assert probe(ENTRY_POINTS[entry], *argv) == []


def test_importing_the_package_loads_no_django():
    assert probe("import toggles_migration; toggles_migration.__version__") == []


def test_the_probe_sees_heavy_modules_when_they_are_loaded():
    """The probe can fail: a public name that needs edx-toggles loads it on first access."""
    assert "edx_toggles" in probe("from toggles_migration import RetiredToggleRead")


@pytest.mark.parametrize(
    "entry", [["-m", "toggles_migration"], ["-c", "from toggles_migration.scan.cli import main; main()"]]
)
def test_version_prints_the_program_name_and_the_package_version(entry):
    completed = run_python(*entry, "--version")
    assert (completed.returncode, completed.stdout, completed.stderr) == (
        0,
        f"toggles-migration {toggles_migration.__version__}\n",
        "",
    )
