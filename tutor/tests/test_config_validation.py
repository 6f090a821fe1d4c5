"""`tutor config save` refuses a TOGGLES_MIGRATION_* value that the plugin cannot render as meant."""

import dataclasses

import pytest
import yaml
from conftest import enable_plugin, make_project

from toggles_migration.retirements import MANAGED_OPTIONS
from toggles_migration.settings import config as conf
from tutortoggles_migration import validation

TAIL = ". Nothing was rendered, and Tutor commands refuse this configuration until it is fixed. Fix: "
BACKEND_OPTIONS_CASES = [
    (
        '{"proctortrack": {"show_review_rules": "false"}}',
        "TOGGLES_MIGRATION_BACKEND_OPTIONS['proctortrack']['show_review_rules'] must be a boolean, found str"
        + TAIL
        + "write true or false without quotes, e.g. tutor config save --set "
        '\'TOGGLES_MIGRATION_BACKEND_OPTIONS={"proctortrack": {"show_review_rules": false}}\'.',
    ),
    (
        '{"proctortrack": {"requires_escalation_email": 1}}',
        "TOGGLES_MIGRATION_BACKEND_OPTIONS['proctortrack']['requires_escalation_email'] must be a boolean, found int"
        + TAIL
        + "write true or false without quotes, e.g. tutor config save --set "
        '\'TOGGLES_MIGRATION_BACKEND_OPTIONS={"proctortrack": {"requires_escalation_email": false}}\'.',
    ),
    (
        '{"proctortrack": {"show_review_rule": true}}',
        "TOGGLES_MIGRATION_BACKEND_OPTIONS['proctortrack'] has the option 'show_review_rule', which the plugin does "
        "not manage"
        + TAIL
        + "use only requires_escalation_email and show_review_rules; set other backend options where "
        "PROCTORING_BACKENDS is set.",
    ),
    (
        '{"proctortrack": [true]}',
        "TOGGLES_MIGRATION_BACKEND_OPTIONS['proctortrack'] must be a mapping of options, found list"
        + TAIL
        + "write e.g. tutor config save --set 'TOGGLES_MIGRATION_BACKEND_OPTIONS="
        '{"proctortrack": {"requires_escalation_email": true, "show_review_rules": false}}\'.',
    ),
    (
        "{null: {show_review_rules: true}}",
        "TOGGLES_MIGRATION_BACKEND_OPTIONS has a backend name of type NoneType; backend names are strings"
        + TAIL
        + 'quote the name (YAML reads an unquoted null, true or 1 as something else), e.g. {"null": {...}}.',
    ),
    (
        '{"DEFAULT": {"show_review_rules": true}}',
        "TOGGLES_MIGRATION_BACKEND_OPTIONS['DEFAULT'] is not a backend: PROCTORING_BACKENDS['DEFAULT'] only names one"
        + TAIL
        + "put the options under the name of the backend that DEFAULT names.",
    ),
    (
        "[proctortrack]",
        "TOGGLES_MIGRATION_BACKEND_OPTIONS must be a mapping of backend names to options, found list"
        + TAIL
        + "write it as YAML or JSON, e.g. tutor config save --set 'TOGGLES_MIGRATION_BACKEND_OPTIONS="
        '{"proctortrack": {"requires_escalation_email": true, "show_review_rules": false}}\'.',
    ),
    (
        # Tutor keeps a value that is not YAML as a string.
        '{"proctortrack": {"show_review_rules": false}',
        "TOGGLES_MIGRATION_BACKEND_OPTIONS must be a mapping of backend names to options, found str"
        + TAIL
        + "write it as YAML or JSON, e.g. tutor config save --set 'TOGGLES_MIGRATION_BACKEND_OPTIONS="
        '{"proctortrack": {"requires_escalation_email": true, "show_review_rules": false}}\'.',
    ),
]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return enable_plugin(make_project(tmp_path_factory.mktemp("validation")))


@pytest.fixture
def project(rendered):
    """The module's project; a refused `config save` has written config.yml, so put it back afterwards."""
    config = rendered.root / "config.yml"
    saved = config.read_text()
    yield rendered
    config.write_text(saved)


def refusal(done):
    """The error line that Tutor prints, without its "Error: " prefix."""
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1, done.stderr
    return errors[0].removeprefix("Error: ")


@pytest.mark.parametrize(("value", "message"), BACKEND_OPTIONS_CASES)
def test_config_save_refuses_bad_backend_options(project, value, message):
    done = project.tutor("config", "save", "--set", f"TOGGLES_MIGRATION_BACKEND_OPTIONS={value}", check=False)
    assert done.returncode == 1
    assert refusal(done) == message


def test_a_string_option_is_refused_before_anything_is_rendered(project):
    settings = project.root / "env" / "apps" / "openedx" / "settings" / "cms" / "production.py"
    before = settings.read_text()
    done = project.tutor(
        "config", "save", "--set", 'TOGGLES_MIGRATION_BACKEND_OPTIONS={"proctortrack": {"show_review_rules": "no"}}',
        check=False,
    )  # fmt: skip
    assert done.returncode == 1
    assert settings.read_text() == before


def test_other_commands_refuse_until_it_is_fixed(project):
    bad = 'TOGGLES_MIGRATION_BACKEND_OPTIONS={"proctortrack": {"show_review_rules": "no"}}'
    project.tutor("config", "save", "--set", bad, check=False)
    done = project.tutor("local", "do", "retire-toggle", "plan", check=False)
    assert done.returncode == 1
    assert refusal(done).startswith("TOGGLES_MIGRATION_BACKEND_OPTIONS['proctortrack']['show_review_rules'] must be")
    assert project.jobs() == []
    project.tutor(
        "config", "save", "--set", 'TOGGLES_MIGRATION_BACKEND_OPTIONS={"proctortrack": {"show_review_rules": no}}'
    )
    assert "'show_review_rules': False" in (project.root / "env/apps/openedx/settings/lms/production.py").read_text()


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        (
            "TOGGLES_MIGRATION_SETTINGS=[STRICT]",
            "TOGGLES_MIGRATION_SETTINGS must be a mapping of TOGGLES_MIGRATION keys to values, found list"
            + TAIL
            + "write e.g. tutor config save --set "
            '\'TOGGLES_MIGRATION_SETTINGS={"LEGACY_BACKENDS": ["proctortrack"], "STRICT": true}\'.',
        ),
        (
            'TOGGLES_MIGRATION_SETTINGS={"STRICKT": true}',
            "TOGGLES_MIGRATION_SETTINGS has the key 'STRICKT', which TOGGLES_MIGRATION does not have"
            + TAIL
            + "use only DECISIONS, LEGACY_BACKENDS, LOCK_TIMEOUT, READS, READS_CACHE, READS_LOG_INTERVAL, STRICT.",
        ),
        (
            "TOGGLES_MIGRATION_VERSION=1.0; curl evil",
            "TOGGLES_MIGRATION_VERSION must be a version of openedx-toggles-migration such as 1.2.3, found a str that "
            "is not one" + TAIL + 'quote it (e.g. "1.2.3"), or remove it to use the plugin\'s own version: '
            "tutor config save --unset TOGGLES_MIGRATION_VERSION.",
        ),
        (
            "TOGGLES_MIGRATION_VERSION=1.5",
            "TOGGLES_MIGRATION_VERSION must be a version of openedx-toggles-migration such as 1.2.3, found float"
            + TAIL
            + 'quote it (e.g. "1.2.3"), or remove it to use the plugin\'s own version: '
            "tutor config save --unset TOGGLES_MIGRATION_VERSION.",
        ),
    ],
)
def test_config_save_refuses_bad_settings_and_versions(project, setting, message):
    done = project.tutor("config", "save", "--set", setting, check=False)
    assert done.returncode == 1
    assert refusal(done) == message


@pytest.mark.parametrize(
    "value",
    [
        {},
        {"proctortrack": {}},
        {"proctortrack": {"show_review_rules": False, "requires_escalation_email": True}},
        {"null": {"requires_escalation_email": False}, "mockprock": {"show_review_rules": True}},
    ],
)
def test_good_backend_options_pass(value):
    validation.check_backend_options(value)


def test_values_are_named_by_type_never_echoed():
    with pytest.raises(Exception, match="found str") as caught:
        validation.check_backend_options({"proctortrack": {"show_review_rules": "hunter2-secret"}})
    assert "hunter2" not in str(caught.value)


def test_the_plugin_knows_the_package_options_and_keys():
    assert tuple(sorted(option.name for option in MANAGED_OPTIONS)) == validation.MANAGED_OPTIONS
    assert tuple(sorted(conf.DEFAULTS)) == validation.SETTINGS_KEYS


def template_refusal(where, key, example):
    return (
        f"{where} is a str that contains {{{{, {{% or {{#, which Tutor would render as a template; the plugin's "
        "values are data, never templates"
        + TAIL
        + f"write the value itself, without template syntax, e.g. tutor config save --set '{key}={example}', "
        f"or remove it: tutor config save --unset {key}."
    )


SETTINGS_EXAMPLE = '{"LEGACY_BACKENDS": ["proctortrack"], "STRICT": true}'
TEMPLATE_CASES = [
    (
        'TOGGLES_MIGRATION_SETTINGS={"READS_CACHE": "{{ MYSQL_ROOT_PASSWORD }}"}',
        template_refusal("TOGGLES_MIGRATION_SETTINGS['READS_CACHE']", "TOGGLES_MIGRATION_SETTINGS", SETTINGS_EXAMPLE),
    ),
    (
        # Tutor's own rendering would stop at this with "Template syntax error: Missing end of raw directive".
        'TOGGLES_MIGRATION_SETTINGS={"READS_CACHE": "{% raw %}x"}',
        template_refusal("TOGGLES_MIGRATION_SETTINGS['READS_CACHE']", "TOGGLES_MIGRATION_SETTINGS", SETTINGS_EXAMPLE),
    ),
    (
        'TOGGLES_MIGRATION_SETTINGS={"LEGACY_BACKENDS": ["proctortrack", "{# comment #}"]}',
        template_refusal(
            "TOGGLES_MIGRATION_SETTINGS['LEGACY_BACKENDS'][1]", "TOGGLES_MIGRATION_SETTINGS", SETTINGS_EXAMPLE
        ),
    ),
    (
        'TOGGLES_MIGRATION_BACKEND_OPTIONS={"proctortrack": {"show_review_rules": "{{ 1 }}"}}',
        template_refusal(
            "TOGGLES_MIGRATION_BACKEND_OPTIONS['proctortrack']['show_review_rules']",
            "TOGGLES_MIGRATION_BACKEND_OPTIONS",
            '{"proctortrack": {"requires_escalation_email": true, "show_review_rules": false}}',
        ),
    ),
    (
        "TOGGLES_MIGRATION_VERSION={{ TOGGLES_MIGRATION_VERSION }}rc1",
        template_refusal("TOGGLES_MIGRATION_VERSION", "TOGGLES_MIGRATION_VERSION", '"1.2.3"'),
    ),
]


def snapshot(project):
    """config.yml and every rendered file, to show that a refusal wrote nothing."""
    return {path: path.read_bytes() for path in project.root.rglob("*") if path.is_file()}


def mysql_root_password(project):
    return yaml.safe_load((project.root / "config.yml").read_text())["MYSQL_ROOT_PASSWORD"]


@pytest.mark.parametrize(("setting", "message"), TEMPLATE_CASES)
def test_config_save_refuses_a_template_in_a_set_value_and_writes_nothing(project, setting, message):
    before = snapshot(project)
    done = project.tutor("config", "save", "--set", setting, check=False)
    assert done.returncode == 1
    assert refusal(done) == message
    assert "Traceback" not in done.stderr
    assert snapshot(project) == before


def test_a_template_written_into_config_yml_is_refused_before_it_is_rendered_or_saved(project):
    config = project.root / "config.yml"
    values = yaml.safe_load(config.read_text())
    values["TOGGLES_MIGRATION_SETTINGS"] = {"READS_CACHE": "{{ MYSQL_ROOT_PASSWORD }}"}
    config.write_text(yaml.safe_dump(values))
    before = snapshot(project)
    done = project.tutor("config", "save", check=False)
    assert done.returncode == 1
    assert refusal(done) == TEMPLATE_CASES[0][1]
    assert snapshot(project) == before
    for service in ("lms", "cms"):
        assert mysql_root_password(project) not in project.rendered("apps", "openedx", "config", f"{service}.env.yml")
    # The way out that the message gives.
    project.tutor("config", "save", "--unset", "TOGGLES_MIGRATION_SETTINGS")
    assert "TOGGLES_MIGRATION_SETTINGS" not in config.read_text()


def test_a_template_in_a_tutor_environment_variable_is_refused(project):
    environment = {**project.env, "TUTOR_TOGGLES_MIGRATION_SETTINGS": '{"READS_CACHE": "{% raw %}x"}'}
    before = snapshot(project)
    done = dataclasses.replace(project, env=environment).tutor("config", "save", check=False)
    assert done.returncode == 1
    assert refusal(done) == TEMPLATE_CASES[1][1]
    assert snapshot(project) == before


def test_values_without_template_syntax_pass():
    validation.check_no_templates(
        [
            ("TOGGLES_MIGRATION_SETTINGS", {"LEGACY_BACKENDS": ["proctortrack"], "READS": "silent", "STRICT": True}),
            ("TOGGLES_MIGRATION_BACKEND_OPTIONS", {"proctortrack": {"show_review_rules": False}}),
            ("TOGGLES_MIGRATION_VERSION", "1.2.3"),
            # A brace alone is data to Jinja as well.
            ("TOGGLES_MIGRATION_SETTINGS", {"READS_CACHE": "{x}"}),
        ]
    )


def test_a_template_is_named_by_type_never_echoed():
    with pytest.raises(Exception, match="is a str that contains") as caught:
        validation.check_no_templates([("TOGGLES_MIGRATION_SETTINGS", {"READS_CACHE": "{{ hunter2_secret }}"})])
    assert "hunter2" not in str(caught.value)
