"""The scanner never crashes on the file system: odd names, unreadable paths, large files, and its own errors."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote_to_bytes

import jsonschema
import pytest
from sarif_validation import assert_valid_sarif
from toggles_migration_scan import cli, walk
from toggles_migration_scan.reading import FULL_PARSE_LIMIT

HIT = b'ok = p == "proctortrack"\n'
ROOT = Path(__file__).resolve().parents[1]


def run_to_file(run_cli, root, *options):
    """Run a scan writing its report with -o and return (status, the report's bytes)."""
    status, output, _ = run_cli([".", *options, "-o", "report.out"], root)
    assert output == ""
    return status, (root / "report.out").read_bytes()


class TestNamesThatAreNotUtf8:
    """A file name with a byte that is not UTF-8 is shown as a backslash-x escape in text and JSON, %HH in SARIF."""

    def test_text_report_is_utf8_with_the_byte_escaped(self, write_bytes_tree, run_cli):
        status, report = run_to_file(run_cli, write_bytes_tree({b"app/caf\xe9.py": HIT}))
        lines = report.decode("utf-8").splitlines()
        assert (status, lines[0], lines[1].split(": ")[0]) == (1, "app/caf\\xe9.py", "  app/caf\\xe9.py:1:12")

    def test_json_report_is_utf8_with_the_byte_escaped(self, write_bytes_tree, run_cli):
        status, report = run_to_file(run_cli, write_bytes_tree({b"app/\xff.py": HIT}), "--format", "json")
        assert b"\xff" not in report
        assert (status, [f["path"] for f in json.loads(report.decode("utf-8"))["findings"]]) == (1, ["app/\\xff.py"])

    def test_json_on_stdout_is_utf8(self, write_bytes_tree, run_cli):
        status, output, _ = run_cli([".", "--format", "json"], write_bytes_tree({b"app/\xff.py": HIT}))
        assert (status, json.loads(output)["findings"][0]["path"]) == (1, "app/\\xff.py")

    def test_sarif_percent_encodes_the_bytes_and_is_valid(self, write_bytes_tree, run_cli):
        status, report = run_to_file(run_cli, write_bytes_tree({b"app/\xff \xe9.py": HIT}), "--format", "sarif")
        uris = assert_valid_sarif(json.loads(report.decode("utf-8")))
        assert (status, uris, unquote_to_bytes(uris[0])) == (1, ["app/%FF%20%E9.py"], b"app/\xff \xe9.py")

    def test_sarif_of_an_excluded_file_is_valid_too(self, write_bytes_tree, run_cli):
        root = write_bytes_tree({b"vendor/\xff.py": HIT})
        status, report = run_to_file(run_cli, root, "--format", "sarif", "--exclude", "vendor")
        log = json.loads(report.decode("utf-8"))
        assert (status, assert_valid_sarif(log), log["runs"][0]["results"][0]["suppressions"][0]["kind"]) == (
            0,
            ["vendor/%FF.py"],
            "external",
        )

    def test_an_absolute_root_gives_a_file_uri(self, write_bytes_tree, run_cli):
        root = write_bytes_tree({b"app/\xff.py": HIT})
        # Run from elsewhere: a root outside the current folder is shown, and located, by its absolute path.
        status, output, _ = run_cli([str(root / "app"), "--format", "sarif"], ROOT)
        [uri] = assert_valid_sarif(json.loads(output))
        assert (status, uri) == (1, (root / "app").as_uri() + "/%FF.py")

    @pytest.mark.parametrize(
        "report_format, path_in",
        [
            ("text", lambda output: output.splitlines()[0]),
            ("json", lambda output: json.loads(output)["findings"][0]["path"]),
            ("sarif", lambda output: assert_valid_sarif(json.loads(output))[0]),
        ],
    )
    def test_an_ascii_only_stdout_still_gets_utf8(self, write_bytes_tree, report_format, path_in):
        root = write_bytes_tree({b"app/\xff\xc3\xa9.py": HIT + "# caf\u00e9 \u2603\n".encode()})
        env = {**os.environ, "PYTHONIOENCODING": "ascii", "LC_ALL": "C", "PYTHONPATH": str(ROOT)}
        completed = subprocess.run(
            [sys.executable, "-m", "toggles_migration_scan", ".", "--format", report_format],
            cwd=root,
            env=env,
            capture_output=True,
            check=False,
        )
        assert (completed.returncode, completed.stderr) == (1, b"")
        expected = "app/%FF%C3%A9.py" if report_format == "sarif" else "app/\\xff\u00e9.py"
        assert path_in(completed.stdout.decode("utf-8")) == expected


class TestControlCharactersInNames:
    """Text output escapes control characters in names: one finding is one line."""

    def test_a_newline_in_a_file_name_does_not_split_the_line(self, write_bytes_tree, run_cli):
        _, output, _ = run_cli(["."], write_bytes_tree({b"app/new\nline.py": HIT}))
        assert output.splitlines()[:2] == [
            "app/new\\nline.py",
            "  app/new\\nline.py:1:12: error logic [comparison] 'proctortrack': ok = p == \"proctortrack\"",
        ]

    def test_a_terminal_escape_in_a_file_name_is_shown_not_run(self, write_bytes_tree, run_cli):
        _, output, _ = run_cli(["."], write_bytes_tree({b"app/\x1b[31mred.py": HIT}))
        assert (output.splitlines()[0], "\x1b" in output) == ("app/\\x1b[31mred.py", False)

    def test_json_keeps_the_real_name(self, write_bytes_tree, run_cli):
        _, output, _ = run_cli([".", "--format", "json"], write_bytes_tree({b"app/new\nline.py": HIT}))
        assert json.loads(output)["findings"][0]["path"] == "app/new\nline.py"

    def test_sarif_percent_encodes_the_newline(self, write_bytes_tree, run_cli):
        _, output, _ = run_cli([".", "--format", "sarif"], write_bytes_tree({b"app/new\nline.py": HIT}))
        assert assert_valid_sarif(json.loads(output)) == ["app/new%0Aline.py"]


@pytest.fixture
def secret_folder_unreadable(monkeypatch):
    """Make listing any folder named ``secret`` fail: tests run as root, where chmod 000 does not stop reading."""
    real_scandir = os.scandir

    def refuse_secret(path):
        if os.path.basename(os.fsdecode(path)) == "secret":
            raise PermissionError(13, "Permission denied", path)
        return real_scandir(path)

    monkeypatch.setattr(walk.os, "scandir", refuse_secret)


@pytest.mark.usefixtures("secret_folder_unreadable")
class TestUnreadableFolder:
    """An unreadable folder is an error note that fails the scan, unless --ignore-unreadable."""

    TREE = {"app/secret/exams.py": HIT.decode(), "app/m.py": "x = 1\n"}

    @pytest.mark.parametrize(
        "options, status",
        [
            ([], 1),
            (["--fail-on", "warning"], 1),
            (["--fail-on", "info"], 1),
            (["--fail-on", "never"], 0),
            (["--ignore-unreadable"], 0),
            (["--ignore-unreadable", "--fail-on", "info"], 0),
        ],
    )
    def test_exit_status(self, write_tree, run_cli, options, status):
        assert run_cli([".", *options], write_tree(self.TREE))[0] == status

    def test_text_report_names_it_as_an_error(self, write_tree, run_cli):
        _, output, _ = run_cli(["."], write_tree(self.TREE))
        assert output.splitlines()[-3:] == [
            "error: app/secret: folder not readable (Permission denied)",
            "",
            "0 findings (0 error, 0 warning, 0 info) in 0 files; 0 suppressed (0 inline, 0 excluded); "
            "1 file scanned, 0 skipped, 1 unreadable",
        ]

    def test_json_counts_it(self, write_tree, run_cli):
        _, output, _ = run_cli([".", "--format", "json", "--ignore-unreadable"], write_tree(self.TREE))
        report = json.loads(output)
        assert (report["summary"]["unreadable"], report["notes"]) == (
            1,
            [{"path": "app/secret", "level": "error", "message": "folder not readable (Permission denied)"}],
        )

    def test_sarif_reports_it_as_an_error_notification(self, write_tree, run_cli):
        _, output, _ = run_cli([".", "--format", "sarif"], write_tree(self.TREE))
        log = json.loads(output)
        assert assert_valid_sarif(log) == ["app/secret"]
        [notification] = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        assert notification["level"] == "error"


@pytest.mark.usefixtures("secret_files_unreadable")
@pytest.mark.parametrize("options, status", [(["--fail-on", "info"], 1), (["--ignore-unreadable"], 0)])
def test_an_unreadable_file_fails_the_scan_unless_ignored(write_tree, run_cli, options, status):
    root = write_tree({"app/secret.py": HIT.decode(), "app/m.py": "x = 1\n"})
    assert run_cli([".", *options], root)[0] == status


def test_an_internal_error_exits_with_3_and_one_line(write_tree, run_cli, monkeypatch):
    def crash(paths, options):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "scan", crash)
    status, output, error = run_cli(["."], write_tree({"app/m.py": "x = 1\n"}))
    assert (status, output, error) == (
        3,
        "",
        "toggles-migration-scan: internal error: RuntimeError: boom. Please report it, with the command line.\n",
    )


def test_findings_exit_1_usage_errors_2_internal_errors_3():
    assert (cli.EXIT_CLEAN, cli.EXIT_FINDINGS, cli.EXIT_USAGE, cli.EXIT_INTERNAL) == (0, 1, 2, 3)


@pytest.mark.parametrize("value, status", [("64MiB", 0), ("65MiB", 2), (str(64 * 1024 * 1024 + 1), 2)])
def test_max_size_is_at_most_64_mib(tmp_path, run_cli, value, status):
    assert run_cli([".", "--max-size", value], tmp_path)[0] == status


@pytest.mark.parametrize(
    "name, line, note",
    [
        (
            "app/big.py",
            'ok = p == "proctortrack"\n',
            "classified from the code around each occurrence, to bound memory",
        ),
        (
            "static/big.js",
            'ok = p === "proctortrack";\n',
            "classified from the code around each occurrence, to bound memory",
        ),
        ("conf/big.json", '{"backend": "proctortrack"}\n', "classified with line patterns to bound memory"),
    ],
)
def test_code_and_json_over_1_mib_are_classified_without_a_syntax_tree(write_tree, scan_folder, name, line, note):
    filler = "          \n" * (FULL_PARSE_LIMIT // 11 + 1)
    # The occurrence comes last: a whole-file token list would be built up to it.
    result = scan_folder(write_tree({name: filler + line}), max_size=4 * 1024 * 1024)
    assert [(f.parse, f.category.value) for f in result.findings] == [
        ("fallback", "logic" if "json" not in name else "config")
    ]
    assert [(n.path, n.message) for n in result.notes] == [(name, f"over 1 MiB; {note}")]


def test_a_windowed_occurrence_in_a_comment_is_still_a_comment(write_tree, scan_folder):
    filler = "x = 1\n" * (FULL_PARSE_LIMIT // 6 + 1)
    result = scan_folder(write_tree({"app/big.py": filler + "# proctortrack is gone\n"}))
    assert [(f.parse, f.category.value) for f in result.findings] == [("fallback", "comment")]


def test_the_schema_check_catches_an_invalid_log():
    with pytest.raises(jsonschema.ValidationError):
        assert_valid_sarif({"version": "2.1.0", "runs": [{"tool": {}}]})
