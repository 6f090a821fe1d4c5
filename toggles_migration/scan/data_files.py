"""Classify occurrences in JSON, YAML, INI and TOML files: configuration, dependency entries and comments."""

import json
import re

from .findings import Category, Classified, Placement
from .line_comments import in_line_comment
from .reading import FULL_PARSE_LIMIT

# Keys whose entries are packages, in package.json, package-lock.json and composer-style files.
_JSON_DEPENDENCY_KEYS = frozenset(
    {
        "dependencies",
        "devDependencies",
        "peerDependencies",
        "optionalDependencies",
        "bundledDependencies",
        "bundleDependencies",
        "overrides",
        "resolutions",
        "packages",
    }
)
_TRANSLATION_SCRIPT = re.compile(r"i18n|extract|translat|formatjs|\batlas\b", re.IGNORECASE)
_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]|[^\s{}\[\]:,"]+', re.DOTALL)

_INI_DEPENDENCY_KEYS = frozenset({"install_requires", "setup_requires", "tests_require", "deps", "requires"})
_INI_DEPENDENCY_SECTIONS = ("options.extras_require", "options.entry_points")
_INI_SECTION = re.compile(r"^\s*\[([^\]]+)\]")
_INI_KEY = re.compile(r"^([^\s#;=:][^=:]*?)\s*[=:]")

_TOML_TABLE = re.compile(r"^\s*\[\[?\s*([^\]]+?)\s*\]\]?")
_TOML_KEY = re.compile(r"""^\s*([A-Za-z0-9_"'.-]+?)\s*=""")


def _config(detail):
    return Placement(Category.CONFIG, detail)


def _dependency(detail):
    return Placement(Category.DEPENDENCY, detail)


def _comment():
    return Placement(Category.COMMENT, "comment")


def classify_json(text, hits, line_index, *, package_json=False):
    """Return a ``Classified``: package entries are dependencies, other values configuration."""
    if len(text) > FULL_PARSE_LIMIT:
        return _json_with_patterns(hits, line_index, "over 1 MiB; classified with line patterns to bound memory")
    try:
        json.loads(text)
    except ValueError as error:
        return _json_with_patterns(hits, line_index, f"not valid JSON ({error}); classified with line patterns")
    paths = _json_string_paths(text)
    placements = []
    for hit in hits:
        path = next((path for start, end, path in paths if start <= hit.start < end), ())
        placements.append(_json_placement(path, line_index.line_text(hit.line), package_json))
    return Classified(placements)


def _json_with_patterns(hits, line_index, note):
    placements = [
        _comment() if in_line_comment(line_index.line_text(hit.line), hit.column, markers="/") else _config("JSON")
        for hit in hits
    ]
    return Classified(placements, parse="fallback", note=note)


def _json_placement(path, line_text, package_json):
    shown = ".".join(path) or "JSON"
    if any(key in _JSON_DEPENDENCY_KEYS for key in path):
        return _dependency(shown)
    if package_json and path[:1] == ("scripts",) and _TRANSLATION_SCRIPT.search(line_text):
        return _dependency(f"translation step {shown}")
    return _config(shown)


def _json_string_paths(text):
    """Return (start, end, key path) for every string of a valid JSON document; a key's path ends with itself."""
    paths = []
    frames = []  # one [is_object, current_key, expecting_key] per open container
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        frame = frames[-1] if frames else None
        if token in "{[":
            frames.append([token == "{", None, token == "{"])
        elif token in "}]":
            frames.pop()
        elif token == ":" and frame:
            frame[2] = False
        elif token == "," and frame and frame[0]:
            frame[2] = True
        elif token.startswith('"'):
            keys = tuple(key for is_object, key, _ in frames[:-1] if is_object and key is not None)
            if frame and frame[0] and frame[2]:
                frame[1] = json.loads(token)
                paths.append((match.start(), match.end(), (*keys, frame[1])))
            else:
                own_key = (frame[1],) if frame and frame[0] and frame[1] is not None else ()
                paths.append((match.start(), match.end(), keys + own_key))
    return paths


def classify_yaml(hits, line_index):
    """Return a ``Classified``: text after a ``#`` comment marker is a comment, the rest configuration."""
    return Classified(
        [_comment() if in_line_comment(line_index.line_text(hit.line), hit.column) else _config("YAML") for hit in hits]
    )


def classify_ini(hits, line_index):
    """Return a ``Classified`` for setup.cfg, tox.ini and other INI files: requirement keys are dependencies."""
    keys = _keys_by_line(line_index, _INI_SECTION, _INI_KEY, continuation=lambda line: line[:1] in (" ", "\t"))
    placements = []
    for hit in hits:
        line = line_index.line_text(hit.line)
        if line.lstrip()[:1] in ("#", ";") or in_line_comment(line, hit.column, markers="#;", quotes=""):
            placements.append(_comment())
            continue
        section, key = keys[hit.line - 1]
        shown = f"[{section}] {key}" if key else f"[{section}]"
        if key in _INI_DEPENDENCY_KEYS or section.startswith(_INI_DEPENDENCY_SECTIONS):
            placements.append(_dependency(shown))
        else:
            placements.append(_config(shown))
    return Classified(placements)


def classify_toml(hits, line_index):
    """Return a ``Classified`` for pyproject.toml and other TOML: dependency arrays and tables are dependencies."""
    keys = _keys_by_line(line_index, _TOML_TABLE, _TOML_KEY, continuation=lambda line: True)
    placements = []
    for hit in hits:
        if in_line_comment(line_index.line_text(hit.line), hit.column):
            placements.append(_comment())
            continue
        table, key = keys[hit.line - 1]
        shown = ".".join(filter(None, [table, key]))
        placements.append(_dependency(shown) if _is_toml_dependency(table, key) else _config(shown))
    return Classified(placements)


def _is_toml_dependency(table, key):
    key = (key or "").strip("\"'")
    if table == "project" and key in ("dependencies", "optional-dependencies"):
        return True
    if table == "build-system" and key == "requires":
        return True
    return table.startswith(("project.optional-dependencies", "project.entry-points", "dependency-groups")) or (
        table.startswith("tool.poetry") and "dependencies" in table
    )


def _keys_by_line(line_index, section_pattern, key_pattern, continuation):
    """Return, for each line, its section and the key whose value it holds (values may span lines)."""
    keys = []
    section, key = "", None
    for number in range(1, len(line_index.starts) + 1):
        line = line_index.line_text(number)
        section_match = section_pattern.match(line)
        key_match = key_pattern.match(line)
        if section_match:
            section, key = section_match.group(1).strip(), None
        elif key_match:
            key = key_match.group(1).strip()
        elif line.strip() and not continuation(line):
            key = None
        keys.append((section, key))
    return keys
