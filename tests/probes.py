"""Run a deployment probe (test_utils.deployments) in a fresh process and read the JSON line it printed last."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# The client_secret every probed PROCTORING_BACKENDS carries: no output of a probe may contain it.
SECRET = "s3cr3t-client-secret-never-printed"


def run_probe(probe, args, env, cwd):
    """Run ``python -m test_utils.deployments.<probe> ARGS`` with ``env``; it must succeed and never print SECRET."""
    done = subprocess.run(
        [sys.executable, "-m", f"test_utils.deployments.{probe}", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert SECRET not in done.stdout + done.stderr
    return json.loads(done.stdout.splitlines()[-1])
