"""Which files are scanned and how: the file kind from its name, and whether a path is a test or a catalogue."""

import re
from dataclasses import dataclass
from enum import StrEnum


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


def _split(relative_path):
    """Return the lower-cased folder names and the file name of a POSIX path (string work: called per file)."""
    folder, _, name = relative_path.rpartition("/")
    return (folder.lower().split("/") if folder else []), name


def _suffix(name):
    dot = name.rfind(".")
    # As for pathlib, a leading dot (".eslintrc") starts a name, not a suffix.
    return name[dot:].lower() if dot > 0 else ""


@dataclass(frozen=True)
class FolderTraits:
    """What a folder's path says about the files in it; the walk derives it once per folder, not per file."""

    in_locale: bool = False
    in_requirements: bool = False

    def child(self, name):
        """Return the traits of the subfolder ``name``."""
        lowered = name.lower()
        # edx-platform keeps its pins in nested folders such as requirements/edx/.
        return FolderTraits(
            self.in_locale or lowered in LOCALE_FOLDERS,
            self.in_requirements or lowered == "requirements",
        )


def kind_in_folder(name, traits):
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


def kind_of(relative_path):
    """Return the ``FileKind`` for a POSIX path relative to the scanned root, or None when it is not scanned."""
    folders, name = _split(relative_path)
    traits = FolderTraits()
    for folder in folders:
        traits = traits.child(folder)
    return kind_in_folder(name, traits)


def is_test_path(relative_path):
    """Return whether a path relative to the scanned root is a test module or lies in a test folder."""
    folders, name = _split(relative_path)
    return any(folder in TEST_FOLDERS for folder in folders) or _TEST_FILE_NAME.search(name) is not None
