"""Fixtures of the reference-scanner tests: the corpus, scans of small trees, and the command line."""

import contextlib
import os
from pathlib import Path

import pytest
from toggles_migration_scan import ScanOptions, reading, scan, scanner
from toggles_migration_scan.cli import main

CORPUS = Path(__file__).resolve().parent / "corpus"


def _scan_folder(folder, **options):
    with contextlib.chdir(folder):
        return scan(["."], ScanOptions(**options))


@pytest.fixture(scope="session")
def scan_folder():
    """Scan a folder from inside it, so finding paths are relative to it; keywords are ``ScanOptions``."""
    return _scan_folder


@pytest.fixture(scope="session")
def corpus():
    return CORPUS


@pytest.fixture(scope="session")
def corpus_result():
    return _scan_folder(CORPUS)


@pytest.fixture(name="write_tree")
def write_tree_fixture(tmp_path):
    """Write ``{relative path: text or bytes}`` under tmp_path and return tmp_path."""

    def write(files):
        for relative, content in files.items():
            path = tmp_path / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        return tmp_path

    return write


@pytest.fixture
def write_bytes_tree(tmp_path):
    """Write ``{relative path as bytes: content}`` under tmp_path with bytes paths, so names need not be UTF-8."""

    def write(files):
        for relative, content in files.items():
            path = os.path.join(os.fsencode(tmp_path), relative)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as output:
                output.write(content)
        return tmp_path

    return write


@pytest.fixture
def classify_file(write_tree):
    """Scan one file and return its findings as (category, detail) pairs, in order."""

    def classify(relative, content):
        result = _scan_folder(write_tree({relative: content}))
        return [(finding.category.value, finding.detail) for finding in result.findings]

    return classify


@pytest.fixture
def run_cli(capsys):
    """Run ``main(argv)`` inside ``cwd`` and return (exit status, stdout, stderr)."""

    def run(argv, cwd):
        with contextlib.chdir(cwd):
            status = main(argv)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


@pytest.fixture
def secret_files_unreadable(monkeypatch):
    """Make opening any ``secret.py`` fail: tests run as root, where chmod 000 does not stop reading."""
    real_open = os.open

    def refuse_secret(path, *args, **kwargs):
        if str(path).endswith("secret.py"):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr(reading.os, "open", refuse_secret)


@pytest.fixture
def deep_files_overflow(monkeypatch):
    """Make classifying any ``deep.py`` overflow, as a shape that defeats even the token-level reading would."""
    real_classify = scanner.classify

    def overflow(kind, relative, *args):
        if relative.endswith("deep.py"):
            raise RecursionError("maximum recursion depth exceeded")
        return real_classify(kind, relative, *args)

    monkeypatch.setattr(scanner, "classify", overflow)
