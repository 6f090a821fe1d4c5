"""`tutor local|dev|k8s do retire-toggle ACTION [ARGS]`: the job Tutor runs, and what the container's shell gets."""

import json
import re

import pytest
from conftest import enable_plugin, make_project
from tutor import env as tutor_env

from tutortoggles_migration.jobs import ACTIONS, retire_toggle_command

HOSTILE = [
    "x'; touch pwned; echo '",
    "$(touch pwned)",
    "`touch pwned`",
    "a b\tc\nd",
    "{{ MYSQL_ROOT_PASSWORD }}",
    "{% raw %}{{ 1 }}{% endraw %}",
    "{# comment #}",
    "--value=true; rm -rf /",
    "",
]


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    return enable_plugin(make_project(tmp_path_factory.mktemp("do")))


@pytest.fixture
def project(shared, tmp_path):
    """The module's project, with the container's manage.py recording its arguments to a file of this test."""
    shared.env["FAKE_MANAGE_RECORD"] = str(tmp_path / "manage.jsonl")
    shared.docker_log.unlink(missing_ok=True)
    yield shared
    del shared.env["FAKE_MANAGE_RECORD"]


def manage_calls(project):
    """The argument lists that ./manage.py received in the CMS job container."""
    with open(project.env["FAKE_MANAGE_RECORD"], encoding="utf-8") as recorded:
        return [json.loads(line) for line in recorded]


@pytest.mark.parametrize("action", ACTIONS)
def test_every_action_runs_manage_py_in_the_cms_job(project, action):
    project.tutor("local", "do", "retire-toggle", action)
    assert project.jobs() == [("cms", f"./manage.py cms retire_toggle {action}")]
    assert manage_calls(project) == [["cms", "retire_toggle", action]]


def test_arguments_and_options_are_passed_on(project):
    project.tutor("local", "do", "retire-toggle", "plan", "--format", "json", "--value", "false")
    assert project.jobs() == [("cms", "./manage.py cms retire_toggle plan --format json --value false")]
    assert manage_calls(project) == [["cms", "retire_toggle", "plan", "--format", "json", "--value", "false"]]


def test_hostile_arguments_reach_manage_py_unchanged(project):
    project.tutor("local", "do", "retire-toggle", "plan", "--value", *HOSTILE)
    assert manage_calls(project) == [["cms", "retire_toggle", "plan", "--value", *HOSTILE]]
    assert not (project.openedx_dir / "pwned").exists()
    ((service, command),) = project.jobs()
    assert service == "cms"
    password = project.tutor("config", "printvalue", "MYSQL_ROOT_PASSWORD").stdout.strip()
    assert len(password) >= 8
    assert password not in command


def test_a_job_is_quoted_for_sh_and_escaped_for_jinja():
    command = retire_toggle_command("export", ["{{ SECRET }}", "it's"])
    assert command == "./manage.py cms retire_toggle export '{{ '{' }}{{ '{' }} SECRET }}' 'it'\"'\"'s'"
    assert tutor_env.render_str({"SECRET": "s3cr3t"}, command) == (
        "./manage.py cms retire_toggle export '{{ SECRET }}' 'it'\"'\"'s'"
    )


def test_an_unknown_action_is_refused_by_tutor(project):
    done = project.tutor("local", "do", "retire-toggle", "drop", check=False)
    assert done.returncode == 2
    assert "'drop' is not one of 'settings', 'plan', 'verify'" in done.stderr
    assert project.jobs() == []


@pytest.mark.parametrize("mode", ["local", "dev", "k8s"])
def test_the_job_is_a_do_command_in_every_mode(project, mode):
    done = project.tutor(mode, "do", "retire-toggle", "--help")
    assert f"Usage: tutor {mode} do retire-toggle [OPTIONS] ACTION [ARGS]..." in done.stdout
    assert "Run `./manage.py cms retire_toggle ACTION [ARGS]...` in the CMS container." in done.stdout


def test_dev_runs_the_same_job(project):
    project.tutor("dev", "do", "retire-toggle", "verify")
    assert project.jobs() == [("cms", "./manage.py cms retire_toggle verify")]
    assert manage_calls(project) == [["cms", "retire_toggle", "verify"]]


def test_the_actions_are_the_commands(shared):
    done = shared.manage("cms", "retire_toggle", "--help")
    listed = re.findall(r"^    ([a-z]+) ", done.stdout, flags=re.MULTILINE)
    assert sorted(listed) == sorted(ACTIONS)


def test_the_exit_status_of_the_command_is_tutors(project):
    done = project.tutor("local", "do", "retire-toggle", "verify", "--format", "json", check=False)
    assert done.returncode == 0
    (project.openedx_dir / "manage.py").rename(project.openedx_dir / "gone.py")
    try:
        done = project.tutor("local", "do", "retire-toggle", "verify", check=False)
    finally:
        (project.openedx_dir / "gone.py").rename(project.openedx_dir / "manage.py")
    assert done.returncode != 0
