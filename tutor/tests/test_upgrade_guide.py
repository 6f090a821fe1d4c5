"""
The "Tutor" section of docs/upgrade.rst, followed step by step, as far as Tutor runs without Docker.

Tutor itself runs for real; `docker` is faked. The jobs of `tutor local do retire-toggle` run their rendered
command with `sh` against a stand-in for the CMS (fake_openedx: the package, Django and edx-platform's waffle
tables, with the settings built from what Tutor rendered), so `plan` prints the real line that the next step
copies, and `verify` reads the settings that this line produced.
"""

import re

from toggles_migration import __version__ as package_version

TUTOR_LINE = (
    "tutor config save --set 'TOGGLES_MIGRATION_BACKEND_OPTIONS="
    '{"proctortrack": {"requires_escalation_email": true, "show_review_rules": true}}\''
)


def printed_tutor_line(output):
    """The `tutor config save` line that retire_toggle printed, as an operator copies it."""
    lines = [line.strip() for line in output.splitlines() if line.strip().startswith("tutor config save --set ")]
    assert len(lines) == 1, output
    return lines[0]


def test_the_tutor_section_step_by_step(bare_project):
    project = bare_project

    # pip install tutor-contrib-toggles-migration (done by `make test-tutor`, in its own virtualenv)
    assert re.search(rf"^toggles-migration\s+installed\s+{re.escape(package_version)}$",
                     project.tutor("plugins", "list").stdout, re.MULTILINE)  # fmt: skip

    # tutor plugins enable toggles-migration
    project.tutor("plugins", "enable", "toggles-migration")

    # tutor images build openedx
    project.tutor("images", "build", "openedx")
    ((*_options, context),) = [call for call in project.docker_calls() if call[:2] == ["buildx", "build"]]
    assert context == str(project.root / "env" / "build" / "openedx")
    assert f"install 'openedx-toggles-migration=={package_version}'" in project.rendered(
        "build", "openedx", "Dockerfile"
    )

    # tutor local do init: Tutor runs the CMS migrations in the cms job; the stand-in runs them on a site whose
    # global flag is on, so the capture decides show_review_rules = True.
    project.tutor("local", "do", "init")
    assert any(service == "cms" and "\n./manage.py cms migrate\n" in job for service, job in project.jobs())
    project.manage("cms", "migrate", "waffle")
    project.manage("cms", "shell", "-c", "from waffle.models import Flag; "
                   "Flag.objects.create(name='studio.show_review_rules', everyone=True)")  # fmt: skip
    migrated = project.manage("cms", "migrate").stdout
    assert "toggles_migration: captured studio.show_review_rules: decision show_review_rules = True" in migrated
    assert printed_tutor_line(migrated) == TUTOR_LINE

    # tutor local do retire-toggle plan
    plan = project.tutor("local", "do", "retire-toggle", "plan").stdout
    assert "Settings DISAGREE with the decision." in plan
    assert printed_tutor_line(plan) == TUTOR_LINE

    # tutor config save --set ... (the printed line, run by a shell as the operator pastes it)
    project.shell(printed_tutor_line(plan))
    assert "'show_review_rules': True" in project.rendered("apps", "openedx", "settings", "cms", "production.py")

    # tutor local restart
    project.tutor("local", "restart")
    assert any("restart" in call for call in project.docker_calls())

    # tutor local do retire-toggle verify
    verify = project.tutor("local", "do", "retire-toggle", "verify", check=False)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "OK: the effective settings agree." in verify.stdout
    assert "proctortrack: requires_escalation_email=True (explicit), show_review_rules=True (explicit)" in (
        verify.stdout
    )

    # tutor local do retire-toggle prune --dry-run, then prune
    assert "studio.show_review_rules: would delete 1 rows" in (
        project.tutor("local", "do", "retire-toggle", "prune", "--dry-run").stdout
    )
    assert "studio.show_review_rules: deleted 1 rows" in project.tutor("local", "do", "retire-toggle", "prune").stdout
    assert "pruned" in project.tutor("local", "do", "retire-toggle", "list").stdout

    # The credentials stayed where the operator set them: never in Tutor's configuration or environment.
    rendered = "\n".join(path.read_text() for path in project.root.rglob("*") if path.is_file())
    assert "client_secret" not in rendered


def test_the_printed_line_keeps_what_the_key_holds(project):
    project.tutor(
        "config", "save", "--set",
        'TOGGLES_MIGRATION_BACKEND_OPTIONS={"proctortrack": {"requires_escalation_email": true, '
        '"show_review_rules": true}, "verificient": {"requires_escalation_email": false}}',
    )  # fmt: skip
    project.manage("cms", "migrate")
    plan = project.tutor("local", "do", "retire-toggle", "plan").stdout
    # Nothing stored, so the decision is False: the snippet changes show_review_rules only. The line keeps
    # proctortrack's other option and verificient (not a configured backend here), which the key holds.
    assert '\n    "proctortrack": {..., "show_review_rules": False},\n' in plan
    assert printed_tutor_line(plan) == (
        "tutor config save --set 'TOGGLES_MIGRATION_BACKEND_OPTIONS="
        '{"proctortrack": {"requires_escalation_email": true, "show_review_rules": false}, '
        '"verificient": {"requires_escalation_email": false}}\''
    )
