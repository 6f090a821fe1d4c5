"""The command line: exit codes, --fail-on, --name, output formats, and ``python -m toggles_migration_scan``."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from toggles_migration_scan.cli import parse_size
from toggles_migration_scan.declarations import RETIRED_TOGGLES

ERROR_LINE = 'ok = p == "proctortrack"\n'
WARNING_LINE = "# proctortrack\n"
INFO_LINE = 'MOCK = "proctortrack"\n'


@pytest.mark.parametrize(
    "files, fail_on, status",
    [
        ({"app/m.py": ERROR_LINE}, "error", 1),
        ({"app/m.py": WARNING_LINE}, "error", 0),
        ({"app/m.py": WARNING_LINE}, "warning", 1),
        ({"tests/m.py": INFO_LINE}, "warning", 0),
        ({"tests/m.py": INFO_LINE}, "info", 1),
        ({"app/m.py": ERROR_LINE}, "never", 0),
        ({"app/m.py": "x = 1\n"}, "info", 0),
    ],
)
def test_fail_on_sets_the_exit_status(write_tree, run_cli, files, fail_on, status):
    assert run_cli([".", "--fail-on", fail_on], write_tree(files))[0] == status


def test_fail_on_defaults_to_error(write_tree, run_cli):
    assert run_cli(["."], write_tree({"app/m.py": ERROR_LINE}))[0] == 1


def test_suppressed_findings_do_not_fail_the_scan(write_tree, run_cli):
    root = write_tree({"app/m.py": 'ok = p == "proctortrack"  # toggles-migration: ignore\n'})
    assert run_cli(["."], root)[0] == 0


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["missing-folder"],
        [".", "--fail-on", "sometimes"],
        [".", "--format", "xml"],
        [".", "--max-size", "huge"],
        [".", "--name", " "],
    ],
)
def test_usage_errors_exit_with_2(tmp_path, run_cli, argv):
    assert run_cli(argv, tmp_path)[0] == 2


def test_help_exits_with_0(tmp_path, run_cli):
    assert run_cli(["--help"], tmp_path)[0] == 0


@pytest.mark.parametrize("value, size", [("1024", 1024), ("512K", 512 * 1024), ("2MiB", 2 * 1024 * 1024)])
def test_max_size_accepts_byte_counts_and_units(value, size):
    assert parse_size(value) == size


def test_extra_name_is_searched_for(write_tree, run_cli):
    root = write_tree({"app/m.py": 'ok = p == "software_secure"\n'})
    status, output, _ = run_cli([".", "--name", "software_secure", "--format", "json"], root)
    findings = json.loads(output)["findings"]
    assert (status, [(f["name"], f["target_kind"], f["category"]) for f in findings]) == (
        1,
        [("software_secure", "extra-name", "logic")],
    )


def test_extra_names_are_not_searched_for_by_default(write_tree, run_cli):
    assert run_cli(["."], write_tree({"app/m.py": 'ok = p == "software_secure"\n'}))[0] == 0


def test_text_output_groups_findings_by_file_with_path_line_column(corpus, run_cli):
    _, output, _ = run_cli(["app/exams.py"], corpus)
    lines = output.splitlines()
    assert lines[0] == "app/exams.py"
    assert lines[1].startswith("  app/exams.py:6:21: error logic [import] 'SHOW_REVIEW_RULES_FLAG': from .waffle")


def test_text_output_ends_with_a_summary_counting_suppressed_findings(corpus, run_cli):
    _, output, _ = run_cli(["."], corpus)
    assert output.splitlines()[-1] == (
        "66 findings (26 error, 36 warning, 4 info) in 21 files; 1 suppressed (1 inline, 0 excluded); "
        "22 files scanned, 0 skipped"
    )


def test_json_summary_counts_severities_categories_and_suppressions(corpus, run_cli):
    _, output, _ = run_cli([".", "--format", "json", "--exclude", "vendor"], corpus)
    summary = json.loads(output)["summary"]
    assert (summary["by_severity"], summary["suppressed"], summary["suppressed_by"]) == (
        {"error": 25, "warning": 36, "info": 4},
        2,
        {"inline": 1, "exclude": 1},
    )


def test_json_output_is_identical_between_runs(corpus, run_cli):
    assert run_cli([".", "--format", "json"], corpus)[1] == run_cli([".", "--format", "json"], corpus)[1]


def test_json_findings_are_sorted_by_path_line_column_and_name(corpus, run_cli):
    findings = json.loads(run_cli([".", "--format", "json"], corpus)[1])["findings"]
    keys = [(f["path"], f["line"], f["column"], f["name"].lower()) for f in findings]
    assert keys == sorted(keys)


def test_json_lists_the_names_searched_for(tmp_path, run_cli):
    names = json.loads(run_cli([".", "--format", "json", "--name", "software_secure"], tmp_path)[1])["names"]
    assert names == [
        {"name": "proctortrack", "kind": "legacy-backend"},
        *(
            entry
            for retirement in RETIRED_TOGGLES
            for entry in (
                {"name": retirement.name, "kind": "retired-toggle"},
                {"name": retirement.constant, "kind": "retired-constant"},
            )
        ),
        {"name": "software_secure", "kind": "extra-name"},
    ]


def test_json_marks_findings_classified_with_line_patterns(write_tree, run_cli):
    root = write_tree({"app/broken.py": 'def broken(:\n    return p == "proctortrack"\n'})
    findings = json.loads(run_cli([".", "--format", "json"], root)[1])["findings"]
    assert [f.get("parse") for f in findings] == ["fallback"]


def test_output_option_writes_the_report_to_a_file(write_tree, run_cli):
    root = write_tree({"app/m.py": ERROR_LINE})
    status, output, _ = run_cli(["app", "--format", "json", "-o", "report.json"], root)
    assert (status, output, json.loads((root / "report.json").read_text())["summary"]["findings"]) == (1, "", 1)


DISTRIBUTION = Path(__file__).resolve().parents[1]


def _environment_without_django_settings():
    environment = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    # The child must import this checkout, whatever copy of the package its interpreter has installed.
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [str(DISTRIBUTION), environment.get("PYTHONPATH")]))
    return environment


def test_python_dash_m_runs_the_scan_without_django_settings(corpus):
    completed = subprocess.run(
        [sys.executable, "-m", "toggles_migration_scan", "app/exams.py", "--format", "json"],
        cwd=corpus,
        env=_environment_without_django_settings(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, len(json.loads(completed.stdout)["findings"])) == (1, 11)
