"""A file nested too deeply for Python's parsers is still read, from its tokens, and never stops the scan."""

import json
import subprocess
import sys

import pytest
from sarif_validation import assert_valid_sarif

NAME = 'x = "proctortrack"'
PYTHON_NOTE = "nested too deeply to parse as Python; classified with line patterns"
# Each shape makes Python's parser give up (RecursionError, or MemoryError "Parser stack overflowed"); the
# sizes are those that failed the whole scan before.
SHAPES = {
    "plus-chain": ("app/m.py", NAME + " + a" * 20_000 + "\n", PYTHON_NOTE),
    "unary-minus": ("app/m.py", NAME + "\ny = " + "-" * 100_000 + "1\n", PYTHON_NOTE),
    "conditionals": ("app/m.py", NAME + "\ny = " + "1 if a else " * 30_000 + "2\n", PYTHON_NOTE),
    "chained-calls": ("app/m.py", NAME + "\ny = f" + "()" * 50_000 + "\n", PYTHON_NOTE),
    "json-arrays": (
        "conf/m.json",
        '{"a": "proctortrack", "b": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        "nested too deeply to parse as JSON; classified with line patterns",
    ),
}
EXPECTED_FINDING = {
    "app/m.py": ("app/m.py", 1, 6, "logic", "reference", "fallback"),
    "conf/m.json": ("conf/m.json", 1, 8, "config", "JSON", "fallback"),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_a_file_too_deep_to_parse_is_read_from_its_tokens(write_tree, scan_folder, shape):
    path, content, note = SHAPES[shape]
    result = scan_folder(write_tree({path: content, "app/other.py": 'BACKEND = "proctortrack"\n'}))
    assert [(f.path, f.line, f.column, f.category.value, f.detail, f.parse) for f in result.findings] == sorted(
        [("app/other.py", 1, 12, "logic", "declaration", None), EXPECTED_FINDING[path]]
    )
    assert ([(n.path, n.message) for n in result.notes], result.skipped) == ([(path, note)], [])


@pytest.fixture(name="deep_tree")
def deep_tree_fixture(write_tree):
    path, content, _ = SHAPES["plus-chain"]
    return write_tree({path: content})


def test_the_text_report_names_the_file_and_why(deep_tree, run_cli):
    output = run_cli(["."], deep_tree)[1]
    assert f"note: app/m.py: {PYTHON_NOTE}\n" in output
    assert "[reference (line patterns)] 'proctortrack'" in output


def test_the_json_report_names_the_file_and_why(deep_tree, run_cli):
    report = json.loads(run_cli([".", "--format", "json"], deep_tree)[1])
    assert (report["notes"], report["findings"][0]["parse"]) == (
        [{"path": "app/m.py", "level": "note", "message": PYTHON_NOTE}],
        "fallback",
    )


def test_the_sarif_log_names_the_file_and_why(deep_tree, run_cli):
    log = json.loads(run_cli([".", "--format", "sarif"], deep_tree)[1])
    assert_valid_sarif(log)
    [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert (notification["message"]["text"], log["runs"][0]["results"][0]["properties"]["parse"]) == (
        PYTHON_NOTE,
        "fallback",
    )


def test_a_closed_stdout_exits_with_the_findings_status_and_one_line(deep_tree):
    # The shell closes descriptor 1 as an operator's `>&-` does.
    completed = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "toggles_migration_scan", "."],
        cwd=deep_tree,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stderr) == (
        1,
        "toggles-migration-scan: standard output is closed or refuses the report; use -o FILE to keep it\n",
    )


def test_a_clean_scan_with_a_closed_stdout_still_exits_0(tmp_path):
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    completed = subprocess.run(
        ["sh", "-c", 'exec "$@" >&-', "sh", sys.executable, "-m", "toggles_migration_scan", "."],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (completed.returncode, completed.stderr.count("\n")) == (0, 1)
