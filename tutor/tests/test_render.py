"""What `tutor config save` renders with the plugin enabled: the image's pin, the settings patch, the YAML keys."""

import importlib.metadata
import re

import pytest
import yaml
from conftest import enable_plugin, make_project
from fake_openedx import settings_patch

from toggles_migration import __version__ as package_version
from toggles_migration.management import plan_text
from toggles_migration.settings.authority import apply_settings_shim
from toggles_migration.settings.config import TUTOR_SETTING

SECRET = "s3cr3t-client-secret"
SETTINGS_FILES = [(service, mode) for service in ("lms", "cms") for mode in ("production", "development")]


@pytest.fixture(scope="module")
def configured(tmp_path_factory):
    """One project rendered with both keys set, shared by the tests that only read what was rendered."""
    return enable_plugin(
        make_project(tmp_path_factory.mktemp("configured")),
        "TOGGLES_MIGRATION_BACKEND_OPTIONS="
        '{"proctortrack": {"show_review_rules": false, "requires_escalation_email": true}, '
        '"verificient": {"show_review_rules": true}}',
        'TOGGLES_MIGRATION_SETTINGS={"LEGACY_BACKENDS": ["proctortrack", "verificient"], "READS": "silent", '
        '"STRICT": true}',
    )


def run_patch(code, proctoring_backends):
    """Execute the rendered patch as the settings module would, after the YAML and the package's hooks."""
    namespace = {"PROCTORING_BACKENDS": proctoring_backends}
    exec(code, namespace)
    return namespace


def test_plugin_version_is_the_package_version():
    assert importlib.metadata.version("tutor-contrib-toggles-migration") == package_version


def test_the_plugin_runs_without_django(project):
    done = project.shell(["python", "-c", "import sys, tutortoggles_migration.plugin; print(sorted(sys.modules))"])
    assert "'django'" not in done.stdout
    assert "'toggles_migration'" not in done.stdout


def test_retire_toggle_reads_the_setting_that_the_patch_records(configured):
    assert plan_text.TUTOR_KEY == "TOGGLES_MIGRATION_BACKEND_OPTIONS"
    assert f"\n{TUTOR_SETTING} = {{'proctortrack': " in settings_patch(configured.root)


def test_dockerfile_installs_the_pinned_package(project):
    dockerfile = project.rendered("build", "openedx", "Dockerfile")
    install = f"$PIP_COMMAND install 'openedx-toggles-migration=={package_version}'"
    assert install in dockerfile
    # In the python-requirements stage, where the image's own extra requirements are installed too.
    stages = re.split(r"^FROM ", dockerfile, flags=re.MULTILINE)
    assert [stage.split()[2] for stage in stages if install in stage] == ["python-requirements"]


def test_version_can_be_overridden(project):
    project.tutor("config", "save", "--set", "TOGGLES_MIGRATION_VERSION=9.9.9rc1")
    assert "install 'openedx-toggles-migration==9.9.9rc1'" in project.rendered("build", "openedx", "Dockerfile")


def test_defaults_render_no_settings_code_and_no_yaml_key(project):
    assert all(settings_patch(project.root, service, mode) == "" for service, mode in SETTINGS_FILES)
    for service in ("lms", "cms"):
        config = yaml.safe_load(project.rendered("apps", "openedx", "config", f"{service}.env.yml"))
        assert "TOGGLES_MIGRATION" not in config


def test_settings_patch_content(configured):
    assert settings_patch(configured.root) == "\n".join(
        [
            "# BEGIN toggles-migration: merge TOGGLES_MIGRATION_BACKEND_OPTIONS into the PROCTORING_BACKENDS entries.",
            "# Only these booleans are written here; every other key of an entry (credentials, URLs) stays as set "
            "elsewhere.",
            "# A backend that PROCTORING_BACKENDS does not hold at this point is left out: retire_toggle verify "
            "shows it.",
            "# retire_toggle prints its `tutor config save` line from TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS.",
            "TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS = "
            "{'proctortrack': {'requires_escalation_email': True, 'show_review_rules': False}, "
            "'verificient': {'show_review_rules': True}}",
            'if isinstance(globals().get("PROCTORING_BACKENDS"), dict):',
            "    PROCTORING_BACKENDS = {",
            "        name: {**entry, **TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS[name]}",
            "        if name in TOGGLES_MIGRATION_TUTOR_BACKEND_OPTIONS and isinstance(entry, dict)",
            "        else entry",
            "        for name, entry in PROCTORING_BACKENDS.items()",
            "    }",
            "# END toggles-migration",
        ]
    )


def test_lms_and_cms_get_the_same_patch_in_production_and_development(configured):
    patches = {settings_patch(configured.root, service, mode) for service, mode in SETTINGS_FILES}
    assert len(patches) == 1
    assert patches != {""}


@pytest.mark.parametrize("service", ["lms", "cms"])
def test_patch_comes_after_the_platform_settings(configured, service):
    production = configured.rendered("apps", "openedx", "settings", service, "production.py")
    platform = f"from {service}.envs.production import *"
    assert production.index(platform) < production.index("# BEGIN toggles-migration")


def test_merge_keeps_credentials_and_adds_the_booleans(configured):
    backends = {
        "DEFAULT": "proctortrack",
        "proctortrack": {"client_id": "client", "client_secret": SECRET, "show_review_rules": True},
        "null": {},
    }
    namespace = run_patch(settings_patch(configured.root), backends)
    # verificient is not a configured backend here: the plugin does not create an entry without credentials.
    assert namespace["PROCTORING_BACKENDS"] == {
        "DEFAULT": "proctortrack",
        "proctortrack": {
            "client_id": "client",
            "client_secret": SECRET,
            "show_review_rules": False,
            "requires_escalation_email": True,
        },
        "null": {},
    }
    # The value it merged into is left as it was: YAML tokens may share it.
    assert backends["proctortrack"]["show_review_rules"] is True


def test_the_shim_reads_the_merged_options_as_explicit(configured):
    namespace = run_patch(
        settings_patch(configured.root),
        {"DEFAULT": "proctortrack", "proctortrack": {"client_id": "client", "client_secret": SECRET}},
    )
    result = apply_settings_shim(namespace)
    assert [
        (backend, option, found.value, found.source)
        for backend, options in result.options.items()
        for option, found in options.items()
    ] == [
        ("proctortrack", "requires_escalation_email", True, "explicit"),
        ("proctortrack", "show_review_rules", False, "explicit"),
    ]
    assert result.notices == ()
    assert namespace["PROCTORING_BACKENDS"]["proctortrack"]["client_secret"] == SECRET


def test_an_entry_that_is_not_a_dict_is_left_alone(configured):
    namespace = run_patch(settings_patch(configured.root), {"DEFAULT": "null", "null": {}, "verificient": "broken"})
    assert namespace["PROCTORING_BACKENDS"] == {"DEFAULT": "null", "null": {}, "verificient": "broken"}


@pytest.mark.parametrize("value", [None, ["proctortrack"]])
def test_a_proctoring_backends_that_is_not_a_dict_is_left_alone(configured, value):
    assert run_patch(settings_patch(configured.root), value)["PROCTORING_BACKENDS"] == value


def test_credentials_never_reach_the_rendered_environment(configured):
    rendered = "\n".join(path.read_text() for path in configured.root.joinpath("env").rglob("*") if path.is_file())
    assert "client_secret" not in rendered


@pytest.mark.parametrize("service", ["lms", "cms"])
def test_settings_key_passes_toggles_migration_through_the_yaml(configured, service):
    config = yaml.safe_load(configured.rendered("apps", "openedx", "config", f"{service}.env.yml"))
    assert config["TOGGLES_MIGRATION"] == {
        "LEGACY_BACKENDS": ["proctortrack", "verificient"],
        "READS": "silent",
        "STRICT": True,
    }
