"""
W006 and ``retire_toggle settings`` with real proctoring backends, each loaded by the real edx-proctoring.

Each case loads edx-platform-shaped production settings (test_utils.deployments.production) in a fresh process.
The cases: the vendor's maintained package (edx-proctoring-proctortrack-v2, loads), its old package
(edx-proctoring-proctortrack 1.2.1, whose ``ugettext`` import fails on Django 4+), no package at all, and a backend
of the tests' own (test_utils.proctoring_backend) registered under ``openedx.proctoring`` as DEFAULT. The vendor
packages ship the same modules, so each is installed apart (``pip install --no-deps --target``, the versions
pinned in requirements/proctoring-backends.txt) and put on the fresh process's path. Subprocesses: the slow suite.
"""

import json
import os
import subprocess
import sys

import django.utils.translation
import pytest
import yaml

from tests.probes import ROOT, SECRET, run_probe

PINS = ROOT / "requirements" / "proctoring-backends.txt"
pytestmark = pytest.mark.deployments

PT = {
    "client_id": "id",
    "client_secret": SECRET,
    "base_url": "https://prestaging.verificient.com",
    "show_review_rules": False,
    "requires_escalation_email": True,
}
PROCTORTRACK = {"DEFAULT": "proctortrack", "proctortrack": PT, "null": {}}
# Proctored courses (the probe stores them so): two on proctortrack (one through DEFAULT), one on null, one on
# edx-exams' LTI provider, which no edx-proctoring backend serves.
COURSES = (
    ("course-v1:edX+PT+1", "proctortrack"),
    ("course-v1:edX+PT+2", None),
    ("course-v1:edX+N+1", "null"),
    ("course-v1:edX+L+1", "lti_external"),
)
OWN = "ownprock"
OWN_ENTRY_POINT = f"{OWN} = test_utils.proctoring_backend:OwnBackendProvider"
INSTALL_V2 = (
    "install edx-proctoring-proctortrack-v2, the vendor's maintained package (pip install "
    "edx-proctoring-proctortrack-v2; with Tutor, add it to OPENEDX_EXTRA_PIP_REQUIREMENTS and rebuild the openedx "
    "image), then restart the LMS and CMS"
)
NOT_LOADED = (
    "The proctoring backend 'proctortrack' is not loaded by edx-proctoring: proctored exams on it fail when learners "
    "start them."
)
NAMED = "Named by PROCTORING_BACKENDS['DEFAULT'] and TOGGLES_MIGRATION['LEGACY_BACKENDS']."
BEFORE_MIGRATE = (
    "Courses using it: not counted. Database 'default' has no table waffle_flag, waffle_flag_users, "
    "waffle_flag_groups, waffle_utils_waffleflagcourseoverridemodel, waffle_utils_waffleflagorgoverridemodel, "
    "course_overviews_courseoverview yet: the migrations have not run there. Run manage.py migrate (Open edX: "
    "./manage.py lms migrate; LMS and CMS share one database) first."
)
NO_DATABASE = "Courses using it: not counted (`manage.py check --database default` counts them)."


def pinned(name):
    """Return ``name==version`` as pinned in requirements/proctoring-backends.txt."""
    for line in PINS.read_text(encoding="utf-8").splitlines():
        if line.lower().startswith(f"{name}=="):
            return line.split()[0]
    raise AssertionError(f"{PINS.name} pins no {name}; run make upgrade")


@pytest.fixture(name="installed", scope="module")
def installed_fixture(tmp_path_factory):
    """{distribution: directory it is installed in alone}, from the index (pip's cache) at the pinned versions."""
    found = {}
    for name in ("edx-proctoring-proctortrack", "edx-proctoring-proctortrack-v2"):
        target = tmp_path_factory.mktemp(name)
        done = subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), pinned(name)],
            capture_output=True,
            text=True,
            check=False,
            timeout=300,
            env={**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )
        assert done.returncode == 0, done.stderr[-3000:]
        found[name] = target
    return found


def own_distribution(directory):
    """Install, as metadata only, a distribution registering the tests' own backend under openedx.proctoring."""
    info = directory / "toggles_migration_test_backend-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: toggles-migration-test-backend\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(f"[openedx.proctoring]\n{OWN_ENTRY_POINT}\n", encoding="utf-8")
    return directory


def load(tmp_path, backends, *, path=(), courses=COURSES, asked=("proctortrack", "null")):
    """Load the production settings with ``path`` first on sys.path; return what the probe printed."""
    config = tmp_path / "config.yml"
    config.write_text(yaml.safe_dump({"PROCTORING_BACKENDS": backends}), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([*map(str, path), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "test_utils.deployments.production",
        # The probe creates tables: always in a SQLite file of its own, never on a shared server.
        "TOGGLES_MIGRATION_TEST_DB": "sqlite",
        "TM_YAML": str(config),
        "TM_ENV_ROOT": str(tmp_path),
        "TM_COURSES": json.dumps(courses),
    }
    return run_probe("backends_probe", asked, env, tmp_path)


def warning(*sentences, fix):
    return {"level": "Warning", "message": " ".join(sentences), "hint": f"Fix: {fix}."}


def assert_not_loaded(loaded, why, fix):
    """The backend 'proctortrack' is not loaded: get_backend raises, W006 says why in each phase, settings shows it."""
    assert loaded["loaded"] == ["null"]
    assert loaded["backends"]["proctortrack"] == (
        "NotImplementedError: No proctoring backend configured for 'proctortrack'.  Available: ['null']"
    )
    assert loaded["w006"] == {
        "before_migrate": [warning(NOT_LOADED, BEFORE_MIGRATE, NAMED, f"Why: {why}.", fix=fix)],
        "database": [
            warning(
                NOT_LOADED,
                "Proctored courses using it: 2 on database 'default'.",
                NAMED,
                f"Why: {why}.",
                fix=fix,
            )
        ],
        "no_database": [warning(NOT_LOADED, NO_DATABASE, NAMED, f"Why: {why}.", fix=fix)],
    }
    assert loaded["settings"]["backend_loading"] == {
        "null": {"fix": "", "loaded": True, "reason": ""},
        "proctortrack": {"fix": fix, "loaded": False, "reason": why},
    }
    assert f"  proctortrack: NOT LOADED: {why}.\n    Fix: {fix}.\n" in loaded["settings_text"]
    assert loaded["plan"]["backend_loading"] == {"proctortrack": {"fix": fix, "loaded": False, "reason": why}}
    assert loaded["plan"]["known_courses"] == 2


def test_without_the_vendor_package(tmp_path):
    why = "no installed package provides an openedx.proctoring entry point named 'proctortrack'"
    assert_not_loaded(load(tmp_path, PROCTORTRACK), why, INSTALL_V2)


def test_the_old_vendor_package_fails_to_import(tmp_path, installed):
    module = "edx_proctoring_proctortrack.backends.proctortrack_rest"
    why = (
        f"importing its entry point '{module}:ProctortrackBackendProvider' (from edx-proctoring-proctortrack 1.2.1) "
        "raised ImportError: cannot import name 'ugettext' from 'django.utils.translation' "
        f"({django.utils.translation.__file__})"
    )
    loaded = load(tmp_path, PROCTORTRACK, path=[installed["edx-proctoring-proctortrack"]])
    assert_not_loaded(loaded, why, f"uninstall edx-proctoring-proctortrack, then {INSTALL_V2}")


def test_the_maintained_vendor_package_loads(tmp_path, installed):
    loaded = load(tmp_path, PROCTORTRACK, path=[installed["edx-proctoring-proctortrack-v2"]])
    assert loaded["loaded"] == ["null", "proctortrack"]
    assert loaded["backends"] == {"proctortrack": "ProctortrackBackendProvider", "null": "NullBackendProvider"}
    assert loaded["w006"] == {"before_migrate": [], "database": [], "no_database": []}
    assert loaded["settings"]["backend_loading"] == {
        "null": {"fix": "", "loaded": True, "reason": ""},
        "proctortrack": {"fix": "", "loaded": True, "reason": ""},
    }
    assert loaded["plan"]["backend_loading"] == {"proctortrack": {"fix": "", "loaded": True, "reason": ""}}


# A site without Proctortrack: the legacy backend is neither configured nor used by a course, so it is not checked.
OWN_DEFAULT = {"DEFAULT": OWN, OWN: {"client_id": "abcd", "client_secret": SECRET}}
OWN_COURSES = (("course-v1:edX+O+1", OWN), ("course-v1:edX+O+2", None))


def test_an_own_backend_registered_as_default_loads(tmp_path):
    path = [own_distribution(tmp_path / "site-packages")]
    loaded = load(tmp_path, OWN_DEFAULT, path=path, courses=OWN_COURSES, asked=(OWN,))
    assert loaded["loaded"] == [OWN]
    assert loaded["backends"] == {OWN: "OwnBackendProvider"}
    assert loaded["w006"] == {"before_migrate": [], "database": [], "no_database": []}
    assert loaded["settings"]["backend_loading"] == {OWN: {"fix": "", "loaded": True, "reason": ""}}


def test_an_own_backend_without_its_distribution(tmp_path):
    loaded = load(tmp_path, OWN_DEFAULT, courses=OWN_COURSES, asked=(OWN,))
    why = f"no installed package provides an openedx.proctoring entry point named {OWN!r}"
    fix = (
        f"install the package that provides the openedx.proctoring entry point {OWN!r} in the LMS and CMS, then "
        "restart the LMS and CMS; or move the courses to a backend that is loaded"
    )
    assert loaded["loaded"] == []
    assert loaded["w006"]["database"] == [
        warning(
            f"The proctoring backend {OWN!r} is not loaded by edx-proctoring: proctored exams on it fail when learners "
            "start them.",
            "Proctored courses using it: 2 on database 'default'.",
            "Named by PROCTORING_BACKENDS['DEFAULT'].",
            f"Why: {why}.",
            fix=fix,
        )
    ]
