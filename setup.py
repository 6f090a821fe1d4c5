#!/usr/bin/env python
"""Package metadata for openedx-toggles-migration."""

import os
import re
import sys

from setuptools import find_packages, setup


def get_version(*file_paths):
    """Read __version__ from a file without importing the package (it needs Django)."""
    filename = os.path.join(os.path.dirname(__file__), *file_paths)
    with open(filename, encoding="utf8") as file:
        match = re.search(r"^__version__ = ['\"]([^'\"]*)['\"]", file.read(), re.M)
    if match:
        return match.group(1)
    raise RuntimeError("Unable to find version string.")


def load_requirements(*requirements_paths):
    """
    Load the requirements named in *.in files, applying the constraints of constraints.txt.

    A constraint applies only to a package the .in files already require, as in the edx cookiecutter.
    """
    by_package = {}
    constraint_files = set()
    requirement_line = re.compile(r"([a-zA-Z0-9-_.\[\]]+)([<>=][^#\s]+)?")

    def add(line, current, is_constraint):
        match = requirement_line.match(line)
        if not match:
            raise RuntimeError(f"Unparseable requirement line: {line!r}")
        package, version = match.groups()
        name = re.sub(r"\[.*\]", "", package).lower()
        if is_constraint:
            if name in current:
                current[name] = f"{current[name]},{version.lstrip(',')}" if version else current[name]
        else:
            current.setdefault(name, package + (version or ""))

    for path in requirements_paths:
        with open(path, encoding="utf8") as reqs:
            for raw_line in reqs:
                line = raw_line.split("#")[0].strip()
                if line.startswith("-c"):
                    constraint_files.add(os.path.join(os.path.dirname(path), line[2:].strip()))
                elif line and not line.startswith("-"):
                    add(line, by_package, False)
    for path in constraint_files:
        with open(path, encoding="utf8") as reqs:
            for raw_line in reqs:
                line = raw_line.split("#")[0].strip()
                if line:
                    add(line, by_package, True)
    return sorted(by_package.values())


VERSION = get_version("toggles_migration", "__init__.py")

if sys.argv[-1] == "tag":
    os.system(f"git tag -a {VERSION} -m 'version {VERSION}'")
    os.system("git push --tags")
    sys.exit()

with open(os.path.join(os.path.dirname(__file__), "README.rst"), encoding="utf8") as readme:
    README = readme.read()
with open(os.path.join(os.path.dirname(__file__), "CHANGELOG.rst"), encoding="utf8") as changelog:
    CHANGELOG = changelog.read()

setup(
    name="openedx-toggles-migration",
    version=VERSION,
    description="Retire Open edX course waffle flags safely: data migration, settings shim and helpers "
    "for the ProctorTrack decoupling (studio.show_review_rules).",
    long_description=README + "\n\n" + CHANGELOG,
    long_description_content_type="text/x-rst",
    author="openedx-toggles-migration maintainers",
    url="https://github.com/openedx/openedx-toggles-migration",
    packages=find_packages(include=["toggles_migration", "toggles_migration.*"], exclude=["*tests"]),
    include_package_data=True,
    install_requires=load_requirements("requirements/base.in"),
    # The tested matrix (tox.ini, README's compatibility table): Python 3.12, and 3.11 with the releases that
    # still declare it.
    python_requires=">=3.11",
    license_expression="AGPL-3.0-or-later",
    license_files=["LICENSE"],
    zip_safe=False,
    keywords="Python edx openedx waffle toggles proctoring",
    entry_points={
        "lms.djangoapp": ["toggles_migration = toggles_migration.apps:TogglesMigrationConfig"],
        "cms.djangoapp": ["toggles_migration = toggles_migration.apps:TogglesMigrationConfig"],
    },
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Framework :: Django",
        "Framework :: Django :: 4.2",
        "Framework :: Django :: 5.2",
        "Intended Audience :: Developers",
        "Natural Language :: English",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
    ],
)
