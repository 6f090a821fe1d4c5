"""Fixtures: a Tutor project in a temporary TUTOR_ROOT, driven by the real ``tutor`` CLI, with Docker faked."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TESTS = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent

# Stands in for `docker`: answers `compose ls`, logs every other call, and runs the CMS jobs of retire-toggle
# with `sh -e -c` in $FAKE_OPENEDX_DIR, as the cms-job container would.
FAKE_DOCKER = """#!{python}
import json, os, subprocess, sys
args = sys.argv[1:]
if "ls" in args:
    print("[]")
    sys.exit(0)
with open(os.environ["FAKE_DOCKER_LOG"], "a", encoding="utf-8") as log:
    log.write(json.dumps(args) + "\\n")
if "run" in args and args[-4:-1] == ["sh", "-e", "-c"] and args[-5] == "cms-job":
    if args[-1].startswith("./manage.py cms retire_toggle "):
        sys.exit(subprocess.run(["sh", "-e", "-c", args[-1]], cwd=os.environ["FAKE_OPENEDX_DIR"]).returncode)
"""
# edx-platform's ./manage.py in the container's working directory.
FAKE_MANAGE = """#!{python}
import sys
from fake_openedx.manage import main
main(sys.argv[1:])
"""


@dataclass
class Project:
    """A Tutor project root and the environment in which the tests run ``tutor``, ``docker`` and ``manage.py``."""

    root: Path
    env: dict
    docker_log: Path
    openedx_dir: Path

    def tutor(self, *args, check=True):
        """Run ``tutor ARGS...``; return the completed process (output as text)."""
        return self.shell(["tutor", *args], check=check)

    def shell(self, command, check=True):
        """Run a command (a list, or a string for ``sh -c``) in the project's environment."""
        if isinstance(command, str):
            command = ["sh", "-c", command]
        done = subprocess.run(
            command, check=False, env=self.env, capture_output=True, text=True, stdin=subprocess.DEVNULL
        )
        if check and done.returncode != 0:
            raise AssertionError(f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def manage(self, *args, check=True):
        """Run ``./manage.py ARGS...`` as a job in the container would (the CMS stand-in)."""
        return self.shell([str(self.openedx_dir / "manage.py"), *args], check=check)

    def rendered(self, *path):
        """Return a file of the rendered environment, ``$TUTOR_ROOT/env/PATH``."""
        return self.root.joinpath("env", *path).read_text()

    def docker_calls(self):
        """Return the argument lists of every logged ``docker`` call but ``compose ls``."""
        if not self.docker_log.exists():
            return []
        return [json.loads(line) for line in self.docker_log.read_text().splitlines()]

    def jobs(self):
        """Return (service, command) for every job that ``tutor ... do`` ran through ``docker compose run``."""
        return [(call[-5].removesuffix("-job"), call[-1]) for call in self.docker_calls() if "run" in call]


def make_project(directory):
    """A Tutor project root under ``directory`` with nothing in it yet, and fake docker and manage.py on hand."""
    bin_dir = directory / "bin"
    openedx_dir = directory / "openedx"
    for path in (bin_dir, openedx_dir):
        path.mkdir()
    for path, script in ((bin_dir / "docker", FAKE_DOCKER), (openedx_dir / "manage.py", FAKE_MANAGE)):
        path.write_text(script.format(python=sys.executable))
        path.chmod(0o755)
    env = {
        **os.environ,
        "TUTOR_ROOT": str(directory / "tutor-root"),
        "TUTOR_PLUGINS_ROOT": str(directory / "tutor-plugins"),
        "PATH": os.pathsep.join([str(bin_dir), str(VENV_BIN), os.environ.get("PATH", "")]),
        "PYTHONPATH": os.pathsep.join([str(TESTS), str(REPO)]),
        "FAKE_DOCKER_LOG": str(directory / "docker.log"),
        "FAKE_OPENEDX_DIR": str(openedx_dir),
        "FAKE_OPENEDX_DB": str(directory / "openedx.sqlite3"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return Project(directory / "tutor-root", env, directory / "docker.log", openedx_dir)


def enable_plugin(project, *settings):
    """Enable the plugin and render the environment, with ``KEY=VALUE`` settings; return the project."""
    project.tutor("plugins", "enable", "toggles-migration")
    project.tutor("config", "save", *(arg for setting in settings for arg in ("--set", setting)))
    return project


@pytest.fixture
def bare_project(tmp_path):
    """A Tutor project root with nothing in it yet (the plugin installed, not enabled)."""
    return make_project(tmp_path)


@pytest.fixture(scope="session")
def enabled_root(tmp_path_factory):
    """A Tutor root with the plugin enabled and the environment rendered with the defaults, made once."""
    return enable_plugin(make_project(tmp_path_factory.mktemp("enabled"))).root


@pytest.fixture
def project(bare_project, enabled_root):
    """A Tutor project with the plugin enabled and the environment rendered with the defaults (a copy of one)."""
    shutil.copytree(enabled_root, bare_project.root)
    return bare_project
