"""Every skipped file is named with its reason, in text, JSON and SARIF, and the summary counts exactly those."""

import json
import os
from pathlib import Path

import pytest
from sarif_validation import assert_valid_sarif

# Opening any file named secret.py fails, as an unreadable file would; classifying any deep.py overflows.
pytestmark = pytest.mark.usefixtures("secret_files_unreadable", "deep_files_overflow")

CLEAN = "x = 1\n"
NO_FINDINGS = "0 findings (0 error, 0 warning, 0 info) in 0 files; 0 suppressed (0 inline, 0 excluded); "

# One case per reason: the tree, the arguments after "scan", then what each report says about the skipped file.
CASES = {
    "binary": (
        {"app/data.py": b"\0\x01x = 1\n", "app/m.py": CLEAN},
        ["."],
        "note: 1 file skipped as binary:\n  app/data.py\n\n" + NO_FINDINGS + "1 file scanned, 1 skipped\n",
        {"path": "app/data.py", "reason": "binary"},
        {"level": "note", "text": "skipped: binary", "id": "skipped-binary", "index": 3, "uri": "app/data.py"},
    ),
    "too-large": (
        {"app/huge.py": "#" * 2048 + "\n", "app/m.py": CLEAN},
        [".", "--max-size", "1024"],
        "warning: 1 file skipped as too large:\n  app/huge.py (2049 bytes, over --max-size 1024)\n\n"
        + NO_FINDINGS
        + "1 file scanned, 1 skipped\n",
        {"path": "app/huge.py", "reason": "too-large", "detail": "2049 bytes, over --max-size 1024"},
        {
            "level": "warning",
            "text": "skipped: too large (2049 bytes, over --max-size 1024)",
            "id": "skipped-too-large",
            "index": 1,
            "uri": "app/huge.py",
        },
    ),
    "too-deep": (
        {"app/deep.py": 'BACKEND = "proctortrack"\n', "app/m.py": CLEAN},
        ["."],
        "warning: 1 file skipped as nested too deeply to classify:\n  app/deep.py (1 occurrence not classified "
        "(RecursionError))\n\n" + NO_FINDINGS + "1 file scanned, 1 skipped\n",
        {"path": "app/deep.py", "reason": "too-deep", "detail": "1 occurrence not classified (RecursionError)"},
        {
            "level": "warning",
            "text": "skipped: nested too deeply to classify (1 occurrence not classified (RecursionError))",
            "id": "skipped-too-deep",
            "index": 2,
            "uri": "app/deep.py",
        },
    ),
    "unreadable": (
        {"app/secret.py": CLEAN, "app/m.py": CLEAN},
        ["."],
        "error: 1 file skipped as unreadable:\n  app/secret.py (Permission denied)\n\n"
        + NO_FINDINGS
        + "1 file scanned, 1 skipped, 1 unreadable\n",
        {"path": "app/secret.py", "reason": "unreadable", "detail": "Permission denied"},
        {
            "level": "error",
            "text": "skipped: unreadable (Permission denied)",
            "id": "skipped-unreadable",
            "index": 0,
            "uri": "app/secret.py",
        },
    ),
    "unsupported-kind": (
        {"notes.txt": "proctortrack\n", "app/m.py": CLEAN},
        ["notes.txt", "app"],
        "note: 1 file skipped as not a kind the scanner reads:\n  notes.txt\n\n"
        + NO_FINDINGS
        + "1 file scanned, 1 skipped\n",
        {"path": "notes.txt", "reason": "unsupported-kind"},
        {
            "level": "note",
            "text": "skipped: not a kind the scanner reads",
            "id": "skipped-unsupported-kind",
            "index": 4,
            "uri": "notes.txt",
        },
    ),
}
REASONS = sorted(CASES)


def sarif_notification(level, text, descriptor_id, index, uri):
    """Return the toolExecutionNotifications entry of one skipped file."""
    return {
        "level": level,
        "message": {"text": text},
        "descriptor": {"id": descriptor_id, "index": index},
        "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri, "uriBaseId": "SRCROOT"}}}],
    }


@pytest.fixture(name="run_case")
def run_case_fixture(write_tree, run_cli):
    """Run the case of ``reason`` and return (status, stdout)."""

    def run(reason, *options):
        files, arguments = CASES[reason][:2]
        status, output, error = run_cli([*arguments, *options], write_tree(files))
        assert error == ""
        return status, output

    return run


@pytest.mark.parametrize("reason", REASONS)
def test_text_names_the_skipped_file_and_its_reason(run_case, reason):
    assert run_case(reason, "--fail-on", "never") == (0, CASES[reason][2])


@pytest.mark.parametrize("reason", REASONS)
def test_json_lists_the_skipped_file_and_counts_it(run_case, reason):
    report = json.loads(run_case(reason, "--format", "json", "--fail-on", "never")[1])
    assert (report["skipped"], report["summary"]["files_skipped"]) == ([CASES[reason][3]], {reason: 1})


@pytest.mark.parametrize("reason", REASONS)
def test_sarif_has_a_valid_notification_for_the_skipped_file(run_case, reason):
    log = json.loads(run_case(reason, "--format", "sarif", "--fail-on", "never")[1])
    assert_valid_sarif(log)
    expected = CASES[reason][4]
    assert log["runs"][0]["invocations"][0]["toolExecutionNotifications"] == [
        sarif_notification(expected["level"], expected["text"], expected["id"], expected["index"], expected["uri"])
    ]


def test_sarif_declares_one_notification_descriptor_per_reason(run_case):
    driver = json.loads(run_case("binary", "--format", "sarif")[1])["runs"][0]["tool"]["driver"]
    assert [(d["id"], d["name"], d["defaultConfiguration"]["level"]) for d in driver["notifications"]] == [
        ("skipped-unreadable", "SkippedUnreadable", "error"),
        ("skipped-too-large", "SkippedTooLarge", "warning"),
        ("skipped-too-deep", "SkippedTooDeep", "warning"),
        ("skipped-binary", "SkippedBinary", "note"),
        ("skipped-unsupported-kind", "SkippedUnsupportedKind", "note"),
    ]


@pytest.mark.parametrize(
    "reason, options, status",
    [
        ("binary", ["--fail-on", "info"], 0),
        ("too-large", ["--fail-on", "info"], 0),
        ("too-deep", ["--fail-on", "info"], 0),
        ("unsupported-kind", ["--fail-on", "info"], 0),
        ("unreadable", [], 1),
        ("unreadable", ["--ignore-unreadable"], 0),
    ],
)
def test_only_an_unreadable_file_fails_the_scan(run_case, reason, options, status):
    assert run_case(reason, *options)[0] == status


@pytest.mark.parametrize(
    "named, content, listing",
    [
        ("app/data.py", b"\0x", "note: 1 file skipped as binary:\n  app/data.py"),
        ("app/secret.py", CLEAN, "error: 1 file skipped as unreadable:\n  app/secret.py (Permission denied)"),
        ("notes.txt", "proctortrack\n", "note: 1 file skipped as not a kind the scanner reads:\n  notes.txt"),
        ("logo.png", b"\x89PNG\r\n", "note: 1 file skipped as not a kind the scanner reads:\n  logo.png"),
    ],
)
def test_a_file_named_directly_and_skipped_is_counted_and_named(write_tree, run_cli, named, content, listing):
    _, output, _ = run_cli([named, "--fail-on", "never"], write_tree({named: content}))
    unreadable = ", 1 unreadable" if listing.startswith("error") else ""
    assert output == f"{listing}\n\n{NO_FINDINGS}0 files scanned, 1 skipped{unreadable}\n"


def test_a_pipe_named_directly_is_skipped_without_being_read(tmp_path, run_cli):
    os.mkfifo(tmp_path / "exams.py")
    assert run_cli(["exams.py"], tmp_path)[:2] == (
        0,
        "note: 1 file skipped as not a kind the scanner reads:\n  exams.py (not a regular file)\n\n"
        + NO_FINDINGS
        + "0 files scanned, 1 skipped\n",
    )


ALL_REASONS_TREE = {
    "app/secret.py": CLEAN,
    "app/huge.py": "#" * 2048 + "\n",
    "app/b.py": b"\0b",
    "app/a.py": b"\0a",
    "notes.txt": "proctortrack\n",
    "app/m.py": CLEAN,
}
ALL_REASONS_ARGUMENTS = [".", "notes.txt", "--max-size", "1024", "--fail-on", "never"]


def test_text_lists_the_reasons_most_urgent_first_and_counts_every_file_listed(write_tree, run_cli):
    _, output, _ = run_cli([*ALL_REASONS_ARGUMENTS], write_tree(ALL_REASONS_TREE))
    assert output == (
        "error: 1 file skipped as unreadable:\n"
        "  app/secret.py (Permission denied)\n"
        "warning: 1 file skipped as too large:\n"
        "  app/huge.py (2049 bytes, over --max-size 1024)\n"
        "note: 2 files skipped as binary:\n"
        "  app/a.py\n"
        "  app/b.py\n"
        "note: 1 file skipped as not a kind the scanner reads:\n"
        "  notes.txt\n"
        "\n" + NO_FINDINGS + "1 file scanned, 5 skipped, 1 unreadable\n"
    )
    listed = [line for line in output.splitlines() if line.startswith("  ")]
    assert f"{len(listed)} skipped" in output.splitlines()[-1]


def test_json_skipped_list_is_sorted_by_path_and_matches_the_counts(write_tree, run_cli):
    report = json.loads(run_cli([*ALL_REASONS_ARGUMENTS, "--format", "json"], write_tree(ALL_REASONS_TREE))[1])
    assert [(entry["path"], entry["reason"]) for entry in report["skipped"]] == [
        ("app/a.py", "binary"),
        ("app/b.py", "binary"),
        ("app/huge.py", "too-large"),
        ("app/secret.py", "unreadable"),
        ("notes.txt", "unsupported-kind"),
    ]
    assert report["summary"]["files_skipped"] == {"binary": 2, "too-large": 1, "unreadable": 1, "unsupported-kind": 1}


def test_sarif_has_one_notification_per_skipped_file(write_tree, run_cli):
    log = json.loads(run_cli([*ALL_REASONS_ARGUMENTS, "--format", "sarif"], write_tree(ALL_REASONS_TREE))[1])
    notifications = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert (assert_valid_sarif(log), [n["descriptor"]["id"] for n in notifications]) == (
        ["app/a.py", "app/b.py", "app/huge.py", "app/secret.py", "notes.txt"],
        ["skipped-binary", "skipped-binary", "skipped-too-large", "skipped-unreadable", "skipped-unsupported-kind"],
    )


def test_other_kinds_met_in_a_folder_are_neither_counted_nor_named(write_tree, run_cli):
    root = write_tree({"img/logo.png": b"\x89PNG\r\n\0", "notes.txt": "proctortrack\n", "app/m.py": CLEAN})
    assert run_cli(["."], root)[:2] == (0, NO_FINDINGS + "1 file scanned, 0 skipped\n")


def test_a_broken_symlink_or_a_pipe_met_in_a_folder_is_outside_the_scan(write_tree, run_cli):
    root = write_tree({"app/m.py": CLEAN})
    os.symlink("missing.py", root / "app" / "broken.py")
    os.mkfifo(root / "app" / "pipe.py")
    assert run_cli(["."], root)[:2] == (0, NO_FINDINGS + "1 file scanned, 0 skipped\n")


def test_a_file_met_through_overlapping_paths_is_skipped_once(write_tree, run_cli):
    root = write_tree({"app/data.py": b"\0x"})
    assert run_cli([".", "app", "app/data.py"], root)[1] == (
        "note: 1 file skipped as binary:\n  app/data.py\n\n" + NO_FINDINGS + "0 files scanned, 1 skipped\n"
    )


ODD_NAMES = {b"app/new\nline.py": b"\0", b"app/\xff.py": b"\0"}


def test_text_escapes_odd_names_of_skipped_files(write_bytes_tree, run_cli):
    assert run_cli(["."], write_bytes_tree(ODD_NAMES))[1] == (
        "note: 2 files skipped as binary:\n  app/new\\nline.py\n  app/\\xff.py\n\n"
        + NO_FINDINGS
        + "0 files scanned, 2 skipped\n"
    )


def test_json_keeps_odd_names_of_skipped_files_as_valid_unicode(write_bytes_tree, run_cli):
    report = json.loads(run_cli([".", "--format", "json"], write_bytes_tree(ODD_NAMES))[1])
    assert [entry["path"] for entry in report["skipped"]] == ["app/new\nline.py", "app/\\xff.py"]


def test_sarif_percent_encodes_odd_names_of_skipped_files(write_bytes_tree, run_cli):
    log = json.loads(run_cli([".", "--format", "sarif"], write_bytes_tree(ODD_NAMES))[1])
    assert assert_valid_sarif(log) == ["app/new%0Aline.py", "app/%FF.py"]


def test_a_skipped_file_never_shows_its_content(write_tree, run_cli):
    root = write_tree({"app/data.py": b"\0SECRET_TOKEN = 'proctortrack'\n"})
    outputs = [run_cli([".", "--format", name], root)[1] for name in ("text", "json", "sarif")]
    assert [("SECRET_TOKEN" in output, "app/data.py" in output) for output in outputs] == [(False, True)] * 3


def test_help_says_which_files_are_skipped_and_which_are_outside_the_scan(tmp_path, run_cli):
    help_text = " ".join(run_cli(["--help"], tmp_path)[1].split())
    assert (
        "Every report names each skipped file and why: unreadable, too large (--max-size), nested too deeply to "
        "classify, binary, or named as a PATH but not a kind the scanner reads; files of other kinds inside a folder "
        "are outside the scan, neither counted nor named." in help_text
    )


DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "scanner.rst"


def test_the_scanner_page_shows_the_real_text_report(write_tree, run_cli):
    root = write_tree(
        {
            "app/exams.py": CLEAN,
            "app/secret.py": CLEAN,
            "app/fixtures.py": "#" * 4095 + "\n",
            "app/compiled.py": b"\0\x01",
            "notes.txt": "proctortrack\n",
        }
    )
    output = run_cli(["app", "notes.txt", "--max-size", "1K", "--fail-on", "never"], root)[1]
    shown = "".join(f"    {line}\n" if line else "\n" for line in output.splitlines())
    assert shown in DOCS_PAGE.read_text(encoding="utf-8")
