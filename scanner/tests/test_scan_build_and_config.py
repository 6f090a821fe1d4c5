"""Makefiles, requirements, JSON, YAML, INI and TOML: dependency entries, configuration and comments."""

import pytest


@pytest.mark.parametrize(
    "relative, source, expected",
    [
        ("Makefile", "I18N_IGNORE = proctortrack\n", [("dependency", "translation step")]),
        ("Makefile", "BACKEND = proctortrack\n", [("logic", "make variable BACKEND")]),
        ("Makefile", "install:\n\tpip install edx-proctoring-proctortrack\n", [("dependency", "installation step")]),
        (
            "Makefile",
            "extract:\n\ti18n_tool extract \\\n\t  --ignore proctortrack\n",
            [("dependency", "translation step")],
        ),
        ("requirements/base.in", "-e git+https://x/proctortrack.git#egg=pt\n", [("dependency", "requirement")]),
        ("tox.ini", "[testenv]\ndeps =\n    edx-proctoring-proctortrack\n", [("dependency", "[testenv] deps")]),
        ("setup.cfg", "[metadata]\n; Proctortrack fork\nname = x\n", [("comment", "comment")]),
        (
            "pyproject.toml",
            '[project.optional-dependencies]\nproctoring = ["edx-proctoring-proctortrack"]\n',
            [("dependency", "project.optional-dependencies.proctoring")],
        ),
        ("conf/a.yaml", 'url: "https://x/#proctortrack"\n', [("config", "YAML")]),
        ("conf/a.yaml", "key: value # proctortrack\n", [("comment", "comment")]),
        ("conf/a.yaml", "note: don't # proctortrack\n", [("comment", "comment")]),
        (
            "package-lock.json",
            '{"packages": {"node_modules/proctortrack-widget": {"version": "1.0.0"}}}\n',
            [("dependency", "packages.node_modules/proctortrack-widget")],
        ),
        (
            "package.json",
            '{"devDependencies": {"proctortrack-mock": "1"}}\n',
            [("dependency", "devDependencies.proctortrack-mock")],
        ),
        ("conf/flags.json", '["studio.show_review_rules"]\n', [("config", "JSON")]),
    ],
)
def test_build_and_config_occurrence_is_classified(classify_file, relative, source, expected):
    assert classify_file(relative, source) == expected


def test_invalid_json_falls_back_to_line_patterns(write_tree, scan_folder):
    source = '{\n  // Proctortrack backend\n  "DEFAULT": "proctortrack",\n}\n'
    result = scan_folder(write_tree({"tsconfig.json": source}))
    assert [(f.category.value, f.parse) for f in result.findings] == [("comment", "fallback"), ("config", "fallback")]


def test_invalid_json_fallback_is_reported_as_a_note(write_tree, scan_folder):
    result = scan_folder(write_tree({"conf/broken.json": '{"DEFAULT": "proctortrack",}\n'}))
    assert [note.message.startswith("not valid JSON") for note in result.notes] == [True]
