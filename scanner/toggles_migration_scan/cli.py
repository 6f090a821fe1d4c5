"""The ``toggles-migration-scan`` command line."""

import argparse
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import Literal

from .__about__ import __version__
from .findings import MARKER, ScanResult, Severity
from .reading import DEFAULT_MAX_SIZE, MAX_SIZE_CEILING
from .reports import render_json, render_sarif, render_text
from .scanner import ScanOptions, scan

EXIT_CLEAN = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
RENDERERS: dict[str, Callable[[ScanResult], str]] = {"text": render_text, "json": render_json, "sarif": render_sarif}
FailOn = Literal["error", "warning", "info", "never"]
FAIL_ON_CHOICES: tuple[FailOn, ...] = ("error", "warning", "info", "never")
_SIZE = re.compile(r"^\s*(\d+)\s*(k|kb|kib|m|mb|mib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {None: 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2, "mib": 1024**2}


PROG = "toggles-migration-scan"


class _ScanArguments(argparse.Namespace):
    """The parsed command line of ``toggles-migration-scan``; argparse sets each attribute."""

    paths: list[str]
    name: list[str]
    exclude: list[str]
    format: str
    fail_on: FailOn
    ignore_unreadable: bool
    max_size: int
    output: str | None


def parse_size(value: str) -> int:
    """Parse a byte count such as ``2097152``, ``512K`` or ``2MiB``."""
    match = _SIZE.match(value)
    if not match:
        raise argparse.ArgumentTypeError(f"not a size: {value!r} (use bytes, or a K/M/KiB/MiB suffix)")
    unit = match.group(2).lower() if match.group(2) else None
    size = int(match.group(1)) * _SIZE_UNITS[unit]
    if size > MAX_SIZE_CEILING:
        # Reading and classifying a file costs memory in proportion to its size: the ceiling bounds the peak.
        raise argparse.ArgumentTypeError(f"{value!r} is over the most the scanner reads per file, 64MiB")
    return size


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of ``toggles-migration-scan``."""
    scan_parser = argparse.ArgumentParser(
        prog=PROG,
        description="Find every legacy backend name and retired toggle (as openedx-toggles-migration declares "
        "them, plus --name) in Python, JavaScript/TypeScript, templates, build, dependency, config, "
        "docs and translation files, and classify each occurrence. Every report names each skipped file and why: "
        "unreadable, too large (--max-size), nested too deeply to classify, binary, or named as a PATH but not a kind "
        "the scanner reads; files of "
        "other kinds inside a folder are outside the scan, neither counted nor named. Exit status: 0 clean; 1 when "
        "a finding is at or above --fail-on, or a file or folder could not be read (unless --ignore-unreadable); "
        "2 on usage errors; 3 on an internal error of the scanner.",
        epilog=f"Silence a line with a '{MARKER}' comment in the file's own comment syntax.",
    )
    scan_parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    scan_parser.add_argument("paths", nargs="+", metavar="PATH", help="files or folders to scan")
    scan_parser.add_argument(
        "--name", action="append", default=[], metavar="NAME", help="another name to look for (repeatable)"
    )
    scan_parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave out matching files and folders (repeatable): a glob without '/' matches any file or folder "
        "name, one with '/' the path relative to PATH or as shown; their findings are counted as suppressed",
    )
    scan_parser.add_argument("--format", choices=sorted(RENDERERS), default="text", help="output format")
    scan_parser.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default="error",
        help="exit with 1 when any finding has at least this severity, or any file or folder could not be read "
        "(default: error; 'never' always exits 0)",
    )
    scan_parser.add_argument(
        "--ignore-unreadable",
        action="store_true",
        help="report files and folders that cannot be read, but do not fail the scan because of them",
    )
    scan_parser.add_argument(
        "--max-size",
        type=parse_size,
        default=DEFAULT_MAX_SIZE,
        metavar="SIZE",
        help="skip files larger than this, with a note (default: 2MiB, at most 64MiB; Python and JSON files "
        "over 1MiB are classified with line patterns, which bounds the memory a file costs)",
    )
    scan_parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of stdout")
    return scan_parser


def exit_code(result: ScanResult, fail_on: FailOn, ignore_unreadable: bool = False) -> int:
    """Return 1 when a reported finding is at least as severe as ``fail_on`` or a path was unreadable, else 0."""
    if fail_on == "never":
        return EXIT_CLEAN
    if result.unreadable and not ignore_unreadable:
        return EXIT_FINDINGS
    threshold = Severity(fail_on).rank
    failing = any(finding.severity.rank >= threshold for finding in result.findings)
    return EXIT_FINDINGS if failing else EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    parser = build_parser()
    try:
        arguments = parser.parse_args(argv, namespace=_ScanArguments())
    except SystemExit as exit_request:
        # argparse exits on --help (0) and on usage errors (2); a console script wants the status back.
        return exit_request.code if isinstance(exit_request.code, int) else EXIT_USAGE
    try:
        return _run_scan(arguments)
    # CI must tell a crash (3) from findings (1).
    except Exception as error:  # noqa: BLE001  # pylint: disable=broad-exception-caught
        print(
            f"{PROG}: internal error: {type(error).__name__}: {error}. Please report it, with the command line.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _usage_error(message: str) -> int:
    print(f"{PROG}: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _run_scan(arguments: _ScanArguments) -> int:
    missing = [path for path in arguments.paths if not os.path.exists(path)]
    if missing:
        return _usage_error(f"no such file or folder: {', '.join(missing)}")
    if any(not name.strip() for name in arguments.name):
        return _usage_error("--name needs a non-empty name")
    options = ScanOptions(
        extra_names=tuple(name.strip() for name in arguments.name),
        excludes=tuple(arguments.exclude),
        max_size=arguments.max_size,
    )
    result = scan(arguments.paths, options)
    # UTF-8 whatever the locale; a character that still cannot be encoded is written as a visible escape.
    report = RENDERERS[arguments.format](result).encode("utf-8", "backslashreplace")
    if arguments.output:
        try:
            with open(arguments.output, "wb") as output:
                output.write(report)
        except OSError as error:
            return _usage_error(f"cannot write {arguments.output}: {error.strerror}")
    elif not _write_stdout(report):
        # CI still needs the verdict: the status is the findings', and the one line says where the report went.
        print(f"{PROG}: standard output is closed or refuses the report; use -o FILE to keep it", file=sys.stderr)
    return exit_code(result, arguments.fail_on, arguments.ignore_unreadable)


def _write_stdout(report: bytes) -> bool:
    """Write the report on standard output; return False when it is closed (``>&-``) or refuses it (a broken pipe)."""
    stdout = sys.stdout
    # Python sets sys.stdout to None when the process starts with descriptor 1 closed.
    if stdout is None:
        return False
    try:
        if hasattr(stdout, "buffer"):
            stdout.flush()
            stdout.buffer.write(report)
            stdout.buffer.flush()
        else:  # a text-only stream, e.g. one replaced by a caller
            stdout.write(report.decode("utf-8"))
    except (OSError, ValueError):  # ValueError: the stream object is closed
        _discard_stdout()
        return False
    return True


def _discard_stdout() -> None:
    # What stays buffered would fail again when Python flushes at exit, with a second message: send it nowhere.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no descriptor behind the stream: nothing is flushed at exit
        pass
