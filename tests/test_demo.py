"""The README's main command keeps working."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_demo_runs_and_never_prints_the_secret():
    completed = subprocess.run(
        [sys.executable, "-m", "demo"], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert "show_review_rules           False  legacy-rule" in completed.stdout
    assert "toggles_migration.W001" in completed.stdout
    assert "demo-secret-never-printed" not in completed.stdout + completed.stderr
    assert "client_secret" not in completed.stdout + completed.stderr
