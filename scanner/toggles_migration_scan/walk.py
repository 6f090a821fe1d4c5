"""Walk the given paths: which files are scanned, their kind from their name, and which paths are tests."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatchcase
from typing import TYPE_CHECKING, NamedTuple

from .findings import UNREADABLE, Note, SkipReason

if TYPE_CHECKING:
    from .findings import ScanResult

SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox"})
VIRTUALENV_MARKER = "pyvenv.cfg"


# File kinds: how a file is classified, from its name and the folders above it.


class FileKind(StrEnum):
    """The syntax a file is classified with."""

    PYTHON = "python"
    SETUP_PY = "setup.py"
    SCRIPT = "script"
    TEMPLATE = "template"
    MAKEFILE = "makefile"
    REQUIREMENTS = "requirements"
    PACKAGE_JSON = "package.json"
    JSON = "json"
    YAML = "yaml"
    INI = "ini"
    TOML = "toml"
    DOCS = "docs"
    GETTEXT = "gettext"


_KIND_BY_SUFFIX = {
    ".py": FileKind.PYTHON,
    ".pyi": FileKind.PYTHON,
    ".js": FileKind.SCRIPT,
    ".jsx": FileKind.SCRIPT,
    ".mjs": FileKind.SCRIPT,
    ".cjs": FileKind.SCRIPT,
    ".ts": FileKind.SCRIPT,
    ".tsx": FileKind.SCRIPT,
    ".html": FileKind.TEMPLATE,
    ".htm": FileKind.TEMPLATE,
    ".underscore": FileKind.TEMPLATE,
    ".mako": FileKind.TEMPLATE,
    ".mk": FileKind.MAKEFILE,
    ".json": FileKind.JSON,
    ".yml": FileKind.YAML,
    ".yaml": FileKind.YAML,
    ".ini": FileKind.INI,
    ".cfg": FileKind.INI,
    ".toml": FileKind.TOML,
    ".rst": FileKind.DOCS,
    ".md": FileKind.DOCS,
    ".markdown": FileKind.DOCS,
    ".po": FileKind.GETTEXT,
    ".pot": FileKind.GETTEXT,
}

_KIND_BY_NAME = {
    "setup.py": FileKind.SETUP_PY,
    "package.json": FileKind.PACKAGE_JSON,
    "Makefile": FileKind.MAKEFILE,
    "makefile": FileKind.MAKEFILE,
    "GNUmakefile": FileKind.MAKEFILE,
}

_REQUIREMENTS_NAME = re.compile(r"^(requirements|constraints)[\w.-]*\.(txt|in)$|\.pip$", re.IGNORECASE)
_REQUIREMENTS_FOLDER_SUFFIXES = frozenset({".txt", ".in"})

LOCALE_FOLDERS = frozenset({"locale", "locales"})
TEST_FOLDERS = frozenset({"test", "tests", "testing", "spec", "specs", "__tests__", "__mocks__"})
_TEST_FILE_NAME = re.compile(
    r"^(test_.*|.*_tests?|tests|conftest)\.py$|\.(test|spec)\.[cm]?[jt]sx?$|_spec\.[cm]?[jt]sx?$",
    re.IGNORECASE,
)


def _split(relative_path: str) -> tuple[list[str], str]:
    """Return the lower-cased folder names and the file name of a POSIX path (string work: called per file)."""
    folder, _, name = relative_path.rpartition("/")
    return (folder.lower().split("/") if folder else []), name


def _suffix(name: str) -> str:
    dot = name.rfind(".")
    # As for pathlib, a leading dot (".eslintrc") starts a name, not a suffix.
    return name[dot:].lower() if dot > 0 else ""


@dataclass(frozen=True)
class FolderTraits:
    """What a folder's path says about the files in it; the walk derives it once per folder, not per file."""

    in_locale: bool = False
    in_requirements: bool = False

    def child(self, name: str) -> FolderTraits:
        """Return the traits of the subfolder ``name``."""
        lowered = name.lower()
        # edx-platform keeps its pins in nested folders such as requirements/edx/.
        return FolderTraits(
            self.in_locale or lowered in LOCALE_FOLDERS,
            self.in_requirements or lowered == "requirements",
        )


def kind_in_folder(name: str, traits: FolderTraits) -> FileKind | None:
    """Return the ``FileKind`` of a file called ``name`` in a folder with ``traits``, or None when not scanned."""
    suffix = _suffix(name)
    # A catalogue's content is a translation whatever the file's syntax.
    if traits.in_locale or suffix in (".po", ".pot"):
        return FileKind.GETTEXT
    if name in _KIND_BY_NAME:
        return _KIND_BY_NAME[name]
    if (traits.in_requirements and suffix in _REQUIREMENTS_FOLDER_SUFFIXES) or _REQUIREMENTS_NAME.search(name):
        return FileKind.REQUIREMENTS
    return _KIND_BY_SUFFIX.get(suffix)


def kind_of(relative_path: str) -> FileKind | None:
    """Return the ``FileKind`` for a POSIX path relative to the scanned root, or None when it is not scanned."""
    folders, name = _split(relative_path)
    traits = FolderTraits()
    for folder in folders:
        traits = traits.child(folder)
    return kind_in_folder(name, traits)


def is_test_path(relative_path: str) -> bool:
    """Return whether a path relative to the scanned root is a test module or lies in a test folder."""
    folders, name = _split(relative_path)
    return any(folder in TEST_FOLDERS for folder in folders) or _TEST_FILE_NAME.search(name) is not None


# Walking: every scannable file under the given paths, and what could not be read.
#
# A file named on the command line is always accounted for: scanned, or skipped with a reason. Inside a folder
# the walk meets only the files of a kind it reads; every other file there (images, fonts, lock files, broken
# symlinks, pipes...) is outside the scan, neither counted nor named, or a checkout's report would list
# thousands of them.


class Candidate(NamedTuple):
    """A file to scan: how to show it, where to read it, its path relative to its root, and its kind."""

    path: str
    filesystem_path: str
    relative: str
    kind: FileKind
    excluded: bool


class Excludes:
    """``--exclude`` globs: without a slash they match any file or folder name, with one a whole path.

    A whole path is the path relative to the scanned root or the path as shown, so ``vendor/*`` and
    ``lms/static/*`` both work when scanning ``lms``.
    """

    def __init__(self, patterns: Iterable[str] = ()) -> None:
        self.patterns = tuple(pattern.strip().removeprefix("./").rstrip("/") for pattern in patterns)

    def matches(self, relative: str, shown: str | None = None) -> bool:
        """Return whether a file or folder is excluded, from its POSIX path relative to its root and as shown."""
        if not self.patterns:
            return False
        name = relative.rsplit("/", 1)[-1]
        for pattern in self.patterns:
            if "/" not in pattern:
                if fnmatchcase(name, pattern):
                    return True
            elif fnmatchcase(relative, pattern) or (shown is not None and fnmatchcase(shown, pattern)):
                return True
        return False


def display_path(root: str) -> str:
    """Return how to show a root: as given, normalised, and relative to the current folder when inside it."""
    shown = os.path.normpath(root)
    if os.path.isabs(shown):
        current = os.getcwd()
        if shown == current or shown.startswith(current.rstrip(os.sep) + os.sep):
            shown = os.path.relpath(shown, current)
    return shown.replace(os.sep, "/")


def discover(roots: Iterable[str], excludes: Excludes, result: ScanResult) -> Iterator[Candidate]:
    """Yield a ``Candidate`` for each scannable file under ``roots``; record in the ``ScanResult`` what is not."""
    seen_roots: set[str] = set()
    seen_files: set[str] = set()
    for root in roots:
        real_root = os.path.realpath(root)
        if real_root in seen_roots:
            continue
        seen_roots.add(real_root)
        shown = display_path(root)
        if os.path.isdir(root):
            candidates = _walk_folder(root, shown, excludes, result.notes, excluded=excludes.matches(shown, shown))
        elif os.path.isfile(root):
            candidates = _explicit_file(root, shown, excludes, result)
        elif os.path.exists(root):
            # A pipe, socket or device: reading it could block or never end.
            result.skip(shown, SkipReason.UNSUPPORTED_KIND, "not a regular file")
            continue
        else:
            result.notes.append(Note(shown, "no such file or folder", "warning"))
            continue
        # Overlapping roots (". app/exams.py", ". app") meet a file twice: it is scanned, counted and named once.
        for candidate in candidates:
            if candidate.path not in seen_files:
                seen_files.add(candidate.path)
                yield candidate


def _explicit_file(root: str, shown: str, excludes: Excludes, result: ScanResult) -> Iterator[Candidate]:
    # A file passed on its own (say by a pre-commit hook) is classified by its path as given, so
    # tests/helpers.py is still a test and conf/locale/... still a catalogue.
    kind = kind_of(shown)
    if kind is None:
        result.skip(shown, SkipReason.UNSUPPORTED_KIND)
        return
    yield Candidate(shown, root, shown, kind, excludes.matches(shown, shown))


def _walk_folder(
    root: str, shown: str, excludes: Excludes, notes: list[Note], *, excluded: bool
) -> Iterator[Candidate]:
    # Explicit roots are scanned even when their name is one we skip by default; only descendants are skipped.
    pending: list[tuple[str, str, bool, FolderTraits]] = [("", root, excluded, FolderTraits())]
    while pending:
        relative_folder, folder, folder_excluded, traits = pending.pop()
        try:
            # Unsorted: every output is sorted afterwards, and sorting each listing costs real time.
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            where = _shown_path(shown, relative_folder) if relative_folder else shown
            notes.append(Note(where, f"folder not readable ({error.strerror or type(error).__name__})", UNREADABLE))
            continue
        if relative_folder and any(entry.name == VIRTUALENV_MARKER for entry in entries):
            continue
        for entry in entries:
            relative = f"{relative_folder}/{entry.name}" if relative_folder else entry.name
            # Directory symlinks are never followed, which rules out symlink loops.
            if _is_folder(entry):
                if entry.name not in SKIPPED_FOLDERS:
                    excluded = folder_excluded or excludes.matches(relative, _shown_path(shown, relative))
                    pending.append((relative, entry.path, excluded, traits.child(entry.name)))
                continue
            kind = kind_in_folder(entry.name, traits)
            if kind is not None and _is_file(entry):
                path = _shown_path(shown, relative)
                excluded = folder_excluded or excludes.matches(relative, path)
                yield Candidate(path, entry.path, relative, kind, excluded)


def _shown_path(shown_root: str, relative: str) -> str:
    return relative if shown_root == "." else f"{shown_root}/{relative}"


def _is_folder(entry: os.DirEntry[str]) -> bool:
    # Answered from the listing on Linux; a failing lstat elsewhere means the entry cannot be read anyway.
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _is_file(entry: os.DirEntry[str]) -> bool:
    # is_file follows file symlinks; a broken or looping one answers False instead of raising.
    try:
        return entry.is_file()
    except OSError:
        return False
