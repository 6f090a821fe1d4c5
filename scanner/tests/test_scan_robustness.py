"""The walk survives what real trees hold: binaries, bad bytes, symlink loops, unreadable and huge files."""

import contextlib
import os

import pytest
from toggles_migration_scan import ScanOptions, scan
from toggles_migration_scan.findings import Skipped, SkipReason
from toggles_migration_scan.reading import DEFAULT_MAX_SIZE

HIT = 'BACKEND = "proctortrack"\n'


def test_binary_file_is_skipped_and_counted(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/data.py": b"\0\x01" + HIT.encode()}))
    assert (result.findings, dict(result.files_skipped)) == ([], {"binary": 1})


def test_nul_byte_after_the_first_8_kib_does_not_make_a_file_binary(write_tree, scan_folder):
    content = HIT.encode() + b"#" * (9 * 1024) + b"\0\n"
    result = scan_folder(write_tree({"app/data.py": content}))
    assert [f.line for f in result.findings] == [1]


def test_undecodable_bytes_are_replaced_not_fatal(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/latin1.py": b'# caf\xe9\nok = p == "proctortrack"\n'}))
    assert [(f.line, f.detail) for f in result.findings] == [(2, "comparison")]


def test_directory_symlink_loop_is_not_followed(write_tree, scan_folder):
    root = write_tree({"app/exams.py": HIT})
    os.symlink(root, root / "app" / "loop")
    result = scan_folder(root)
    assert [f.path for f in result.findings] == ["app/exams.py"]


def test_file_symlink_loop_is_skipped(write_tree, scan_folder):
    root = write_tree({"app/exams.py": HIT})
    os.symlink("self.py", root / "app" / "self.py")
    result = scan_folder(root)
    assert (result.files_scanned, [f.path for f in result.findings]) == (1, ["app/exams.py"])


@pytest.mark.usefixtures("secret_files_unreadable")
def test_unreadable_file_is_listed_as_skipped(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/secret.py": HIT, "app/exams.py": HIT}))
    assert (result.notes, result.skipped) == (
        [],
        [Skipped("app/secret.py", SkipReason.UNREADABLE, "Permission denied")],
    )


@pytest.mark.usefixtures("secret_files_unreadable")
def test_unreadable_file_does_not_stop_the_other_files(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/secret.py": HIT, "app/exams.py": HIT}))
    assert ([f.path for f in result.findings], dict(result.files_skipped)) == (["app/exams.py"], {"unreadable": 1})


def test_file_over_the_size_limit_is_skipped_with_its_size(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/huge.py": HIT + "#" * 2048}), max_size=1024)
    assert (result.findings, result.skipped) == (
        [],
        [Skipped("app/huge.py", SkipReason.TOO_LARGE, "2073 bytes, over --max-size 1024")],
    )


def test_default_size_limit_is_2_mib():
    assert DEFAULT_MAX_SIZE == 2 * 1024 * 1024


@pytest.mark.parametrize("folder", [".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox"])
def test_vcs_virtualenv_and_cache_folders_are_skipped(write_tree, scan_folder, folder):
    result = scan_folder(write_tree({f"{folder}/module.py": HIT}))
    assert (result.files_scanned, result.findings) == (0, [])


def test_any_folder_holding_pyvenv_cfg_is_skipped(write_tree, scan_folder):
    result = scan_folder(write_tree({"env311/pyvenv.cfg": "home = /usr\n", "env311/lib/site.py": HIT}))
    assert result.files_scanned == 0


def test_a_skipped_folder_given_explicitly_is_scanned(write_tree):
    root = write_tree({"node_modules/pkg/index.js": "x === 'proctortrack';\n"})
    with contextlib.chdir(root):
        result = scan(["node_modules"])
    assert [f.path for f in result.findings] == ["node_modules/pkg/index.js"]


def test_a_file_can_be_scanned_on_its_own(write_tree):
    root = write_tree({"app/exams.py": HIT})
    with contextlib.chdir(root):
        result = scan(["app/exams.py"])
    assert [(f.path, f.line) for f in result.findings] == [("app/exams.py", 1)]


def test_a_file_given_on_its_own_is_classified_by_its_whole_path(write_tree):
    root = write_tree({"app/tests/helpers.py": HIT})
    with contextlib.chdir(root):
        result = scan(["app/tests/helpers.py"])
    assert [f.category.value for f in result.findings] == ["test"]


def test_a_file_of_an_unknown_kind_given_explicitly_is_skipped(write_tree):
    root = write_tree({"notes.txt": "proctortrack\n"})
    with contextlib.chdir(root):
        result = scan(["notes.txt"])
    assert (result.notes, result.skipped) == ([], [Skipped("notes.txt", SkipReason.UNSUPPORTED_KIND)])


def test_the_same_folder_given_twice_is_scanned_once(write_tree):
    root = write_tree({"app/exams.py": HIT})
    with contextlib.chdir(root):
        result = scan([".", str(root)])
    assert len(result.findings) == 1


@pytest.mark.parametrize("pattern", ["vendor", "vendor/*", "./vendor/", "*.py"])
def test_excluded_paths_are_counted_as_suppressed(write_tree, pattern):
    root = write_tree({"vendor/plugin.py": HIT})
    with contextlib.chdir(root):
        result = scan(["."], ScanOptions(excludes=(pattern,)))
    assert (result.findings, result.summary()["suppressed_by"]) == ([], {"inline": 0, "exclude": 1})


def test_exclude_matches_paths_relative_to_the_scanned_root(write_tree):
    root = write_tree({"app/vendor/plugin.py": HIT, "vendor/plugin.py": HIT})
    with contextlib.chdir(root):
        result = scan(["."], ScanOptions(excludes=("vendor/*",)))
    assert [f.path for f in result.findings] == ["app/vendor/plugin.py"]


def test_exclude_also_matches_the_path_as_shown(write_tree):
    root = write_tree({"lms/static/a.js": "x === 'proctortrack';\n", "lms/djangoapps/b.py": HIT})
    with contextlib.chdir(root):
        result = scan(["lms"], ScanOptions(excludes=("lms/static/*",)))
    assert ([f.path for f in result.findings], len(result.suppressed)) == (["lms/djangoapps/b.py"], 1)


def test_an_excluded_root_is_counted_as_suppressed(write_tree):
    root = write_tree({"vendor/plugin.py": HIT})
    with contextlib.chdir(root):
        result = scan(["vendor"], ScanOptions(excludes=("vendor",)))
    assert (result.findings, len(result.suppressed)) == ([], 1)


def test_a_file_over_64_kib_is_read_to_its_end(write_tree, scan_folder):
    result = scan_folder(write_tree({"app/big.py": "#" * (100 * 1024) + "\n" + HIT}))
    assert [f.line for f in result.findings] == [2]


@pytest.mark.parametrize(
    "line",
    [
        "# toggles-migration: ignore",
        "// toggles-migration: ignore",
        "<!-- toggles-migration: ignore -->",
        "{# toggles-migration: ignore #}",
    ],
)
def test_inline_marker_works_in_any_comment_syntax(write_tree, scan_folder, line):
    result = scan_folder(write_tree({"templates/a.html": f"<p>Proctortrack</p> {line}\n"}))
    assert (result.findings, len(result.suppressed)) == ([], 1)


def test_a_minified_line_is_shown_as_a_window_around_the_match(write_tree, scan_folder):
    line = "var a=1;" * 200 + "if(p==='proctortrack'){}" + "var b=2;" * 200
    result = scan_folder(write_tree({"static/app.min.js": line + "\n"}))
    assert [len(f.text) <= 240 and "'proctortrack'" in f.text for f in result.findings] == [True]


def test_names_are_found_case_insensitively(write_tree, scan_folder):
    result = scan_folder(write_tree({"docs/a.md": "PROCTORTRACK, ProctorTrack, proctortrack\n"}))
    assert [f.match for f in result.findings] == ["PROCTORTRACK", "ProctorTrack", "proctortrack"]


def test_a_name_inside_a_longer_word_is_found(write_tree, scan_folder):
    result = scan_folder(write_tree({"requirements.txt": "edx-proctoring-proctortrack==1.0\n"}))
    assert [(f.column, f.category.value) for f in result.findings] == [(16, "dependency")]
