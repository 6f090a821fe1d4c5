"""The SARIF 2.1.0 output: required structure, rules per category, levels, relative locations."""

import contextlib
import json

import pytest
from toggles_migration_scan import scan
from toggles_migration_scan.reports import render_sarif

# The subset of the SARIF 2.1.0 schema that code-scanning dashboards rely on.
MINIMAL_SARIF_SCHEMA = {
    "type": "object",
    "required": ["version", "$schema", "runs"],
    "properties": {
        "version": {"enum": ["2.1.0"]},
        "$schema": {"type": "string"},
        "runs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["tool", "results"],
                "properties": {
                    "tool": {
                        "type": "object",
                        "required": ["driver"],
                        "properties": {
                            "driver": {
                                "type": "object",
                                "required": ["name", "rules"],
                                "properties": {
                                    "name": {"type": "string"},
                                    "rules": {
                                        "type": "array",
                                        "items": {"type": "object", "required": ["id"]},
                                    },
                                },
                            }
                        },
                    },
                    "results": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["ruleId", "level", "message", "locations"],
                            "properties": {
                                "level": {"enum": ["error", "warning", "note", "none"]},
                                "message": {"type": "object", "required": ["text"]},
                                "locations": {
                                    "type": "array",
                                    "items": {
                                        "type": "object",
                                        "required": ["physicalLocation"],
                                        "properties": {
                                            "physicalLocation": {
                                                "type": "object",
                                                "required": ["artifactLocation", "region"],
                                                "properties": {
                                                    "artifactLocation": {"type": "object", "required": ["uri"]},
                                                    "region": {
                                                        "type": "object",
                                                        "required": ["startLine", "startColumn"],
                                                        "properties": {
                                                            "startLine": {"type": "integer"},
                                                            "startColumn": {"type": "integer"},
                                                        },
                                                    },
                                                },
                                            }
                                        },
                                    },
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
_TYPES = {"object": dict, "array": list, "string": str, "integer": int}


def schema_errors(value, schema, where="$"):
    """Return where ``value`` breaks ``schema`` (type, enum, required, properties and items only)."""
    if "type" in schema and not isinstance(value, _TYPES[schema["type"]]):
        return [f"{where}: not a {schema['type']}"]
    if "enum" in schema and value not in schema["enum"]:
        return [f"{where}: {value!r} not in {schema['enum']}"]
    errors = [f"{where}: missing {key}" for key in schema.get("required", []) if key not in value]
    for key, subschema in schema.get("properties", {}).items():
        if isinstance(value, dict) and key in value:
            errors += schema_errors(value[key], subschema, f"{where}.{key}")
    for index, item in enumerate(value if "items" in schema else []):
        errors += schema_errors(item, schema["items"], f"{where}[{index}]")
    return errors


@pytest.fixture(scope="module", name="sarif")
def sarif_fixture(corpus):
    with contextlib.chdir(corpus):
        return json.loads(render_sarif(scan(["."])))


def test_sarif_log_satisfies_the_minimal_schema(sarif):
    assert schema_errors(sarif, MINIMAL_SARIF_SCHEMA) == []


def test_minimal_schema_check_catches_a_missing_key():
    assert schema_errors({"version": "2.1.0", "runs": []}, MINIMAL_SARIF_SCHEMA) == ["$: missing $schema"]


def test_sarif_has_one_rule_per_category(sarif):
    rules = sarif["runs"][0]["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [
        "logic",
        "dependency",
        "display-string",
        "comment",
        "docs",
        "config",
        "translation",
        "test",
    ]


def test_sarif_result_rule_is_the_category_and_level_follows_severity(sarif):
    pairs = {(result["ruleId"], result["level"]) for result in sarif["runs"][0]["results"]}
    assert pairs == {
        ("logic", "error"),
        ("dependency", "error"),
        ("display-string", "warning"),
        ("comment", "warning"),
        ("docs", "warning"),
        ("config", "warning"),
        ("translation", "note"),
        ("test", "note"),
    }


def test_sarif_rule_index_points_at_the_rule(sarif):
    run = sarif["runs"][0]
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    assert all(rule_ids[result["ruleIndex"]] == result["ruleId"] for result in run["results"])


def test_sarif_locations_are_relative_to_the_source_root(sarif):
    location = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert (location["artifactLocation"], location["region"]["startLine"], location["region"]["startColumn"]) == (
        {"uri": "Makefile", "uriBaseId": "SRCROOT"},
        3,
        3,
    )


def test_sarif_marks_suppressed_findings_instead_of_dropping_them(sarif):
    suppressed = [result for result in sarif["runs"][0]["results"] if "suppressions" in result]
    assert [
        (r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], r["suppressions"][0]["kind"])
        for r in suppressed
    ] == [("app/suppressed.py", "inSource")]


def test_sarif_cli_output_parses(corpus, run_cli):
    status, output, _ = run_cli([".", "--format", "sarif"], corpus)
    assert (status, json.loads(output)["version"]) == (1, "2.1.0")
