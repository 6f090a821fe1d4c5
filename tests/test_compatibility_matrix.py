"""The README's compatibility table is the tox matrix: one row per environment, the versions each one installs."""

import configparser
import itertools
import os
import re
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.matrix
PACKAGES = ("django-waffle", "edx-toggles", "edx-django-utils", "edx-opaque-keys")
MUST_PASS, ALLOWED_TO_FAIL = "must pass", "allowed to fail"
# .venv's versions: make test (and the database steps) run the fast suite on them, so CI's tox leaves this row out.
MAKE_TEST_ROW = "py312-django52-max"


def tox_config():
    config = configparser.ConfigParser(interpolation=None)
    config.read(REPO / "tox.ini", encoding="utf8")
    return config


def expand(pattern):
    """Expand tox's ``a{1,2}-b`` generative names."""
    parts = re.split(r"\{([^}]*)\}", pattern)
    choices = [part.split(",") if index % 2 else [part] for index, part in enumerate(parts)]
    return ["".join(combination) for combination in itertools.product(*choices)]


def tox_environments():
    """Return the test environments of tox's envlist (every one but quality)."""
    names = [name for line in tox_config()["tox"]["envlist"].split() for name in expand(line)]
    return [name for name in names if name != "quality"]


def readme_rows():
    """Return the compatibility table's rows, by environment name."""
    readme = (REPO / "README.rst").read_text(encoding="utf8")
    section = readme.split("Compatibility\n*************\n", 1)[1].split("\n*****", 1)[0]
    rows = {}
    for line in section.splitlines():
        if line.startswith("``py"):
            name, python, django, *versions, outcome = re.split(r"\s{2,}", line.strip())
            rows[name.strip("`")] = {
                "python": python,
                "django": django,
                "versions": dict(zip(PACKAGES, versions, strict=True)),
                "outcome": outcome,
            }
    return rows


def requirements(path):
    """Return the requirements of a requirements or constraints file, without its comments and options."""
    lines = (line.split("#", 1)[0].strip() for line in (REPO / path).read_text(encoding="utf8").splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith("-")]


def pins(path):
    """Return ``name -> version`` of the ``name==version`` lines of a requirements file."""
    return {
        requirement.name.lower(): str(requirement.specifier).removeprefix("==")
        for requirement in requirements(path)
        if str(requirement.specifier).startswith("==")
    }


def test_the_table_has_one_row_per_tox_environment():
    assert sorted(readme_rows()) == sorted(tox_environments())


@pytest.mark.parametrize("name", tox_environments())
def test_python_and_django_come_from_the_environment_name(name):
    python, django_major, django_minor = re.match(r"py3(\d+)-django(\d)(\d)", name).groups()
    row = readme_rows()[name]
    assert (row["python"], row["django"]) == (f"3.{python}", f"{django_major}.{django_minor}")


def test_only_environments_marked_in_tox_may_fail():
    config = tox_config()
    allowed = {
        name
        for name in tox_environments()
        if config.has_section(f"testenv:{name}") and config[f"testenv:{name}"].getboolean("ignore_outcome", False)
    }
    outcomes = {name: row["outcome"] for name, row in readme_rows().items()}
    assert outcomes == {name: ALLOWED_TO_FAIL if name in allowed else MUST_PASS for name in tox_environments()}


def test_this_environment_installs_the_versions_of_its_row():
    # In .venv (make test-matrix), the row that make test stands for; in tox, the environment's own.
    row = readme_rows()[os.environ.get("TOX_ENV_NAME", MAKE_TEST_ROW)]
    installed = {package: version(package) for package in PACKAGES}
    assert (row["python"], row["django"], row["versions"]) == (
        f"{sys.version_info.major}.{sys.version_info.minor}",
        ".".join(version("Django").split(".")[:2]),
        installed,
    )


def test_the_minimums_are_the_lower_bounds_of_base_in():
    minimums = pins("requirements/minimums.txt")
    lower_bounds = {
        requirement.name.lower(): str(requirement.specifier).removeprefix(">=")
        for requirement in requirements("requirements/base.in")
    }
    assert all(Version(minimums[package]) == Version(lower_bounds[package]) for package in PACKAGES)


def test_setup_py_declares_what_must_pass():
    setup_py = (REPO / "setup.py").read_text(encoding="utf8")
    rows = [row for row in readme_rows().values() if row["outcome"] == MUST_PASS]
    pythons = sorted({row["python"] for row in rows})
    djangos = sorted({row["django"] for row in rows})
    assert re.findall(r'"Programming Language :: Python :: (3\.\d+)"', setup_py) == pythons
    assert re.findall(r'"Framework :: Django :: (\d\.\d)"', setup_py) == djangos
    assert re.search(r'python_requires=">=(3\.\d+)"', setup_py).group(1) == pythons[0]


def test_ci_runs_every_environment_once():
    ci_run = (REPO / ".ci" / "run").read_text(encoding="utf8")
    [toxenv] = re.findall(r"make tox TOXENV=(\S+)", ci_run.replace("\\\n", ""))
    assert sorted([*toxenv.split(","), MAKE_TEST_ROW]) == sorted(tox_environments())
    assert "\nmake test\n" in ci_run
