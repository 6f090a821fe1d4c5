#!/usr/bin/env python
"""
Lint the toggle and setting annotations of the package: the gate that ``make annotations`` runs.

Usage::

    python docs/lint_annotations.py [--only static|pylint|tokens] [PATH ...]   # default: the package

Three checks, each over every PATH; any finding fails the run (exit code 1):

1. ``code_annotations static_find_annotations --no_report`` with code-annotations' feature toggle
   configuration, then with its setting configuration (``code_annotations.contrib.config``): missing,
   duplicate and invalid tokens, invalid choices such as a bogus ``toggle_use_cases``, two groups in one
   comment block.
2. edx-lint's pylint annotation checkers (``pylint --load-plugins=edx_lint.pylint --disable=all
   --enable=...``): a ``temporary`` toggle without ``toggle_target_removal_date``, a non-boolean
   ``toggle_default``, a boolean ``setting_default`` (boolean settings are annotated as toggles), an empty
   description, a WaffleFlag/WaffleSwitch/CourseWaffleFlag created without its annotation.
3. What neither of them sees, checked here: a misspelled token (``.. toggle_warnings:`` is silently ignored
   by both) and a comment block that mixes toggle and setting tokens (each configuration sees only its
   own half, so both tools pass it).

tests/test_annotations.py runs this same module on deliberately broken files, so the gate cannot pass
silently.
"""

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PATHS = (REPO_ROOT / "toggles_migration",)

# edx-lint's annotation messages that the gate enables.
PYLINT_MESSAGES = (
    # FeatureToggleAnnotationChecker
    "toggle-no-name",
    "toggle-empty-description",
    "toggle-missing-target-removal-date",
    "toggle-non-boolean-default-value",
    "toggle-missing-annotation",
    # SettingAnnotationChecker
    "setting-boolean-default-value",
    # CodeAnnotationChecker: code-annotations' own group checks, re-run per module
    "annotation-invalid-choice",
    "annotation-duplicate-choice-value",
    "annotation-missing-choice-value",
    "annotation-invalid-token",
    "annotation-duplicate-token",
    "annotation-missing-token",
)
# edx-lint's other messages of the same checkers, and why the gate leaves them off. A message that is in
# neither list (a new edx-lint release) fails the gate until someone decides.
PYLINT_EXCLUDED = {
    "feature-toggle-needs-doc": "edx-lint's own pylintrc disables it as repo-specific: it matches any class "
    "name ending in WaffleFlag and wants the annotation on the line just above the call; "
    "toggle-missing-annotation is the maintained check",
    "illegal-waffle-usage": "not an annotation check; edx-lint's own pylintrc disables it as repo-specific",
    "invalid-django-waffle-import": "not an annotation check; this package reads django-waffle's models "
    "and hooks its flag evaluation by design",
}
ANNOTATION_CHECKERS = (
    "FeatureToggleChecker",
    "FeatureToggleAnnotationChecker",
    "SettingAnnotationChecker",
    "CodeAnnotationChecker",
)

# A comment line that looks like an annotation token, e.g. "# .. toggle_warning:" or "# .. setting_name:".
_TOKEN_LINE = re.compile(r"^\s*#\s*\.\.\s+(?P<kind>toggle|setting)_(?P<rest>\w*)(?P<colon>:?)")


@dataclass(frozen=True)
class Result:
    """The outcome of one check: its name, the command or description, the output, and whether it passed."""

    name: str
    command: str
    output: str
    passed: bool


def config_paths():
    """Return {kind: config file path} for code-annotations' toggle and setting configurations."""
    from code_annotations.contrib.config import (
        FEATURE_TOGGLE_ANNOTATIONS_CONFIG_PATH,
        SETTING_ANNOTATIONS_CONFIG_PATH,
    )

    return {"toggle": str(FEATURE_TOGGLE_ANNOTATIONS_CONFIG_PATH), "setting": str(SETTING_ANNOTATIONS_CONFIG_PATH)}


def known_tokens():
    """Return every token of both configurations, e.g. {'.. toggle_name:', '.. setting_default:', ...}."""
    import yaml

    tokens = set()
    for path in config_paths().values():
        with open(path, encoding="utf8") as config_file:
            config = yaml.safe_load(config_file)
        for group in config["annotations"].values():
            for entry in group:
                tokens.update(entry if isinstance(entry, dict) else [entry])
    return tokens


def _console_script(name):
    """Find a console script of the running interpreter's environment (a virtualenv's bin/), else on PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise FileNotFoundError(f"{name} is not installed: pip install -r requirements/doc.txt")
    return found


def _run(name, command, cwd):
    completed = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    output = (completed.stdout + completed.stderr).strip()
    shown = " ".join(str(part) for part in command)
    return Result(name=name, command=shown, output=output, passed=completed.returncode == 0)


def static_find(path, kind, workdir):
    """Run ``code_annotations static_find_annotations`` with the ``kind`` ('toggle'/'setting') configuration."""
    command = [
        _console_script("code_annotations"),
        "static_find_annotations",
        "--config_file",
        config_paths()[kind],
        "--source_path",
        str(path),
        "--no_report",
    ]
    return _run(f"code_annotations ({kind} annotations)", command, workdir)


def check_pylint_messages():
    """Fail when an enabled message is unknown, or edx-lint has an annotation message nobody decided on."""
    from edx_lint.pylint import annotations_check

    available = set()
    for class_name in ANNOTATION_CHECKERS:
        checker = getattr(annotations_check, class_name)
        available.update(message[1] for message in checker.msgs.values())
    problems = [
        f"enabled message {name!r} does not exist in edx-lint" for name in PYLINT_MESSAGES if name not in available
    ]
    problems += [
        f"edx-lint message {name!r} is neither enabled nor excluded in {Path(__file__).name}"
        for name in sorted(available - set(PYLINT_MESSAGES) - set(PYLINT_EXCLUDED))
    ]
    return problems


def pylint(paths, workdir):
    """Run edx-lint's annotation checkers over ``paths``."""
    problems = check_pylint_messages()
    if problems:
        return Result("pylint message list", "edx_lint.pylint.annotations_check", "\n".join(problems), False)
    command = [
        sys.executable,
        "-m",
        "pylint",
        f"--rcfile={os.devnull}",  # only what is on this command line: no project pylintrc applies
        "--load-plugins=edx_lint.pylint",
        "--disable=all",
        f"--enable={','.join(PYLINT_MESSAGES)}",
        "--recursive=y",
        "--persistent=n",
        "--score=n",
        *[str(path) for path in paths],
    ]
    return _run("pylint (edx-lint annotation checks)", command, workdir)


def _python_files(path):
    path = Path(path)
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def token_check(paths):
    """Find misspelled tokens and comment blocks that mix toggle and setting tokens."""
    tokens = known_tokens()
    problems = []
    for path in paths:
        for filename in _python_files(path):
            block_kinds, block_start = set(), None
            lines = filename.read_text(encoding="utf8").splitlines()
            for number, line in enumerate([*lines, ""], start=1):
                if not line.lstrip().startswith("#"):
                    if len(block_kinds) > 1:
                        problems.append(
                            f"{filename}:{block_start}: one comment block holds toggle and setting annotations; "
                            "separate the groups with a code line or a blank line"
                        )
                    block_kinds, block_start = set(), None
                    continue
                block_start = block_start or number
                match = _TOKEN_LINE.match(line)
                if not match:
                    continue
                token = f".. {match['kind']}_{match['rest']}:"
                block_kinds.add(match["kind"])
                if token not in tokens:
                    problems.append(f"{filename}:{number}: unknown annotation token {token!r}")
                elif not match["colon"]:
                    problems.append(f"{filename}:{number}: annotation token {token!r} lacks its colon")
    return Result("annotation tokens", "misspelled tokens, mixed groups", "\n".join(problems), not problems)


CHECKS = ("static", "pylint", "tokens")


def lint(paths=DEFAULT_PATHS, workdir=None, checks=CHECKS):
    """Run the ``checks`` over ``paths``; return the list of Results (all passed means the gate passes)."""
    paths = [Path(path).resolve() for path in paths]
    workdir = workdir or REPO_ROOT
    results = []
    if "static" in checks:
        results += [static_find(path, kind, workdir) for path in paths for kind in ("toggle", "setting")]
    if "pylint" in checks:
        results.append(pylint(paths, workdir))
    if "tokens" in checks:
        results.append(token_check(paths))
    return results


def main(argv=None):
    """Print each check's command and output; exit 0 when every check passed, else 1."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="files or folders (default: the package)")
    parser.add_argument("--only", choices=CHECKS, action="append", help="run only this check (repeatable)")
    args = parser.parse_args(argv)
    results = lint(args.paths or DEFAULT_PATHS, checks=args.only or CHECKS)
    for result in results:
        status = "passed" if result.passed else "FAILED"
        print(f"=== {result.name}: {status}\n$ {result.command}")
        if result.output:
            print(result.output)
    failed = [result.name for result in results if not result.passed]
    print(f"\nAnnotation lint {'FAILED: ' + ', '.join(failed) if failed else 'passed'}.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
