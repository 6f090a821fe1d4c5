"""The README's main command keeps working."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module", name="demo")
def demo_fixture():
    """Run ``python -m demo`` once for the module."""
    return subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )


def test_demo_succeeds(demo):
    assert demo.returncode == 0, demo.stderr
    assert "Restored tables identical to before the prune: True" in demo.stdout


def test_demo_walks_through_every_step(demo):
    for expected in (
        "Applying toggles_migration.0002_capture_show_review_rules",
        "show_review_rules           False  legacy-rule",
        "Decision:         show_review_rules = True  [lossy, from majority]",
        "course course-v1:UQx+Think101+2024  legacy False",
        "does not parse as a course key",
        "(exit code 1)",
        "OK: the effective settings agree.",
        "would delete 11 rows",
        "restored 11 rows",
    ):
        assert expected in demo.stdout


def test_demo_never_prints_a_secret(demo):
    assert "demo-secret-never-printed" not in demo.stdout + demo.stderr
    assert "client_secret" not in demo.stdout + demo.stderr
