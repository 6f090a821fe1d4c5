"""Tests of the pure PROCTORING_BACKENDS normalisation."""
# pylint: disable=no-member  # the fake settings modules (types.ModuleType) get their attributes at run time

import copy
import types

import ddt
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.declared import legacy_values, option_names, upstream_defaults
from toggles_migration.checks import notices as n
from toggles_migration.settings.authority import apply_settings_shim
from toggles_migration.settings.shim import RESULT_SETTING_NAME, normalise_proctoring_backends

SECRET = "s3cr3t-value-that-must-never-leak"
UPSTREAM_DEFAULT = {"DEFAULT": "null", "null": {}}
# As documented by edx-proctoring's docs/developing.rst.
MOCKPROCK = {"DEFAULT": "mockprock", "null": {}, "mockprock": {"client_id": "abcd", "client_secret": "abcdsecret"}}


def options_of(result, backend):
    """The managed options of one backend in a normalised value."""
    entry = result.value[backend]
    return {
        "requires_escalation_email": entry["requires_escalation_email"],
        "show_review_rules": entry["show_review_rules"],
    }


def ids_of(result):
    """The check IDs of every notice."""
    return sorted(notice.check_id for notice in result.notices)


@ddt.ddt
class InvalidValuesTest(SimpleTestCase):
    """Values that cannot be read without guessing raise ImproperlyConfigured naming the path and the type."""

    @ddt.data(
        ([], "PROCTORING_BACKENDS must be a dict, found list."),
        ("proctortrack", "PROCTORING_BACKENDS must be a dict, found str."),
        (None, "PROCTORING_BACKENDS must be a dict, found None."),
        ({"DEFAULT": "x", "x": "not a dict"}, "PROCTORING_BACKENDS['x'] must be a dict of backend options, found str."),
        ({"DEFAULT": "x", "x": None}, "PROCTORING_BACKENDS['x'] must be a dict of backend options, found None."),
        ({"DEFAULT": "x", 3: {}}, "PROCTORING_BACKENDS has a key of type int; backend names must be strings."),
    )
    @ddt.unpack
    def test_wrong_type(self, value, message):
        with pytest.raises(ImproperlyConfigured) as raised:
            normalise_proctoring_backends(value)
        assert raised.value.message == message
        assert "Fix:" in str(raised.value)

    @ddt.data(2, -1, None, "maybe", "", [], {}, 1.0, "truthy")
    def test_unreadable_option_value(self, value):
        with pytest.raises(ImproperlyConfigured) as raised:
            normalise_proctoring_backends({"DEFAULT": "x", "x": {"show_review_rules": value}})
        type_name = "None" if value is None else type(value).__name__
        assert raised.value.message == (
            f"PROCTORING_BACKENDS['x']['show_review_rules'] must be a boolean, found {type_name} "
            "that is not a recognised boolean value."
        )

    def test_unreadable_legacy_spelling_names_that_key(self):
        with pytest.raises(ImproperlyConfigured, match=r"\['x'\]\['REQUIRES_ESCALATION_EMAIL'\] must be a boolean"):
            normalise_proctoring_backends({"DEFAULT": "x", "x": {"REQUIRES_ESCALATION_EMAIL": "maybe"}})

    def test_both_spellings_disagreeing_is_refused(self):
        with pytest.raises(ImproperlyConfigured) as raised:
            normalise_proctoring_backends(
                {"DEFAULT": "x", "x": {"show_review_rules": False, "SHOW_REVIEW_RULES": "yes"}}
            )
        assert raised.value.message == (
            "PROCTORING_BACKENDS['x'] sets both 'show_review_rules' and 'SHOW_REVIEW_RULES', and they disagree."
        )
        assert raised.value.hint == "keep only 'show_review_rules' in PROCTORING_BACKENDS['x'] with the value you mean."

    def test_error_never_shows_the_value(self):
        with pytest.raises(ImproperlyConfigured) as raised:
            normalise_proctoring_backends({"DEFAULT": "x", "x": {"show_review_rules": SECRET}})
        assert SECRET not in str(raised.value)


@ddt.ddt
class CoercionTest(SimpleTestCase):
    """Booleans pass; recognised strings and 0/1 are coerced with a notice."""

    @ddt.data(
        ("false", False),
        ("False ", False),
        ("0", False),
        (0, False),
        ("no", False),
        (" OFF", False),
        ("true", True),
        ("TRUE", True),
        ("1", True),
        (1, True),
        ("yes", True),
        ("On", True),
    )
    @ddt.unpack
    def test_coerced_with_notice(self, raw, expected):
        result = normalise_proctoring_backends({"DEFAULT": "x", "x": {"show_review_rules": raw}})
        assert result.value["x"]["show_review_rules"] is expected
        assert result.option("x", "show_review_rules").source == "coerced"
        assert ids_of(result) == [n.COERCED_VALUE]
        assert result.notices[0].message == (
            f"PROCTORING_BACKENDS['x']['show_review_rules'] is a {type(raw).__name__}, read as {expected}."
        )

    @ddt.data(True, False)
    def test_booleans_pass_silently(self, value):
        result = normalise_proctoring_backends({"DEFAULT": "x", "x": {"requires_escalation_email": value}})
        assert result.value["x"]["requires_escalation_email"] is value
        assert result.option("x", "requires_escalation_email").source == "explicit"
        assert not result.notices


@ddt.ddt
class SpellingTest(SimpleTestCase):
    """The abandoned upper-case spellings are read and rewritten; near-misses are reported."""

    def test_legacy_spelling_rewritten(self):
        result = normalise_proctoring_backends({"DEFAULT": "x", "x": {"SHOW_REVIEW_RULES": False}})
        assert result.value["x"] == upstream_defaults(show_review_rules=False)
        assert result.option("x", "show_review_rules").source == "legacy-spelling"
        assert ids_of(result) == [n.LEGACY_SPELLING]

    def test_legacy_spelling_with_string_is_also_coerced(self):
        result = normalise_proctoring_backends({"DEFAULT": "x", "x": {"REQUIRES_ESCALATION_EMAIL": "on"}})
        assert result.value["x"]["requires_escalation_email"] is True
        assert ids_of(result) == [n.LEGACY_SPELLING, n.COERCED_VALUE]

    def test_both_spellings_agreeing_keep_the_lower_case(self):
        result = normalise_proctoring_backends(
            {"DEFAULT": "x", "x": {"show_review_rules": False, "SHOW_REVIEW_RULES": "false"}}
        )
        assert "SHOW_REVIEW_RULES" not in result.value["x"]
        assert result.option("x", "show_review_rules").source == "explicit"
        assert result.notices[0].message == (
            "PROCTORING_BACKENDS['x'] sets both 'show_review_rules' and 'SHOW_REVIEW_RULES'; they agree."
        )

    @ddt.data(
        ("show_review_rule", "show_review_rules"),
        ("showReviewRules", "show_review_rules"),
        ("Show_Review_Rules", "show_review_rules"),
        ("requires_escalation_emails", "requires_escalation_email"),
        ("require_escalation_email", "requires_escalation_email"),
    )
    @ddt.unpack
    def test_misspelling_reported_and_left_in_place(self, key, suggestion):
        result = normalise_proctoring_backends({"DEFAULT": "x", "x": {key: True}})
        assert result.value["x"][key] is True
        assert ids_of(result) == [n.POSSIBLE_MISSPELLING]
        assert result.notices[0].hint == f"rename {key!r} to {suggestion!r} in PROCTORING_BACKENDS['x']."

    @ddt.data("client_id", "client_secret", "base_url", "video_review_aes_key", "send_email", "verbose_name")
    def test_ordinary_backend_keys_are_not_misspellings(self, key):
        result = normalise_proctoring_backends({"DEFAULT": "x", "x": {key: "value"}})
        assert not result.notices


@ddt.ddt
class LegacyBackendTest(SimpleTestCase):
    """Legacy backends keep legacy behaviour when unset; every other backend gets upstream's defaults."""

    def test_option_less_proctortrack_gets_legacy_values(self):
        result = normalise_proctoring_backends({"DEFAULT": "proctortrack", "proctortrack": {"client_id": "a"}})
        assert result.value["proctortrack"] == {"client_id": "a", **legacy_values()}
        assert ids_of(result) == [n.LEGACY_RULE_APPLIED] * len(option_names())
        hints = {notice.option: notice.hint for notice in result.notices}
        assert sorted(hints) == sorted(option_names())
        assert hints["requires_escalation_email"] == (
            "make it explicit: add \"requires_escalation_email\": True to PROCTORING_BACKENDS['proctortrack'] "
            "(YAML: requires_escalation_email: true)."
        )
        assert hints["show_review_rules"] == (
            "make it explicit: add \"show_review_rules\": False to PROCTORING_BACKENDS['proctortrack'] "
            "(YAML: show_review_rules: false), the legacy value; `manage.py migrate`, then `manage.py retire_toggle "
            "plan`, computes the value that keeps the most courses as they were."
        )

    def test_explicit_values_win_on_legacy_backends(self):
        result = normalise_proctoring_backends(
            {
                "DEFAULT": "proctortrack",
                "proctortrack": legacy_values(show_review_rules=True, requires_escalation_email=False),
            }
        )
        assert options_of(result, "proctortrack") == {"requires_escalation_email": False, "show_review_rules": True}
        assert not result.notices

    def test_other_backends_get_upstream_defaults(self):
        result = normalise_proctoring_backends(UPSTREAM_DEFAULT)
        assert options_of(result, "null") == {"requires_escalation_email": False, "show_review_rules": True}
        assert result.option("null", "show_review_rules").source == "default"
        assert not result.notices

    def test_legacy_backends_are_configurable(self):
        result = normalise_proctoring_backends(
            {"DEFAULT": "proctortrack_v2", "proctortrack": {}, "proctortrack_v2": {}},
            legacy_backends=("proctortrack_v2",),
        )
        assert options_of(result, "proctortrack_v2")["show_review_rules"] is False
        assert options_of(result, "proctortrack")["show_review_rules"] is True


@ddt.ddt
class DefaultEntryTest(SimpleTestCase):
    """A DEFAULT that names no backend is an error notice, never a crash."""

    @ddt.data(
        ({}, n.DEFAULT_MISSING, "PROCTORING_BACKENDS has no 'DEFAULT' entry, so courses without a provider have none."),
        (
            {"x": {}},
            n.DEFAULT_MISSING,
            "PROCTORING_BACKENDS has no 'DEFAULT' entry, so courses without a provider have none.",
        ),
        (
            {"DEFAULT": {"client_secret": SECRET}, "x": {}},
            n.DEFAULT_NOT_A_STRING,
            "PROCTORING_BACKENDS['DEFAULT'] must be the name of a backend (a str), found dict.",
        ),
        (
            {"DEFAULT": None, "x": {}},
            n.DEFAULT_NOT_A_STRING,
            "PROCTORING_BACKENDS['DEFAULT'] must be the name of a backend (a str), found None.",
        ),
        (
            {"DEFAULT": "proctortrak", "proctortrack": {}},
            n.DEFAULT_UNKNOWN_BACKEND,
            "PROCTORING_BACKENDS['DEFAULT'] is 'proctortrak', which is not a configured backend.",
        ),
    )
    @ddt.unpack
    def test_default_problem(self, value, check_id, message):
        result = normalise_proctoring_backends(value)
        errors = [notice for notice in result.notices if notice.level == n.ERROR]
        assert [(notice.check_id, notice.message) for notice in errors] == [(check_id, message)]

    def test_unknown_default_hint_lists_the_backends(self):
        result = normalise_proctoring_backends({"DEFAULT": "nope", "b": {}, "a": {}})
        assert (
            result.notices[0].hint == "set PROCTORING_BACKENDS['DEFAULT'] to one of: 'a', 'b', or add a 'nope' entry."
        )

    def test_default_passes_through(self):
        assert normalise_proctoring_backends(MOCKPROCK).value["DEFAULT"] == "mockprock"


class PassThroughTest(SimpleTestCase):
    """Keys we do not manage pass through untouched, and the input is never mutated."""

    def test_mockprock_unchanged_apart_from_the_options(self):
        result = normalise_proctoring_backends(MOCKPROCK)
        assert result.value == {
            "DEFAULT": "mockprock",
            "null": upstream_defaults(),
            "mockprock": {"client_id": "abcd", "client_secret": "abcdsecret", **upstream_defaults()},
        }
        assert not result.notices

    def test_input_never_mutated(self):
        value = {"DEFAULT": "proctortrack", "proctortrack": {"SHOW_REVIEW_RULES": "no", "nested": {"a": [1]}}}
        before = copy.deepcopy(value)
        result = normalise_proctoring_backends(value)
        assert value == before
        assert result.value is not value
        assert result.value["proctortrack"] is not value["proctortrack"]

    def test_secret_never_in_notices_or_repr(self):
        result = normalise_proctoring_backends(
            {
                "DEFAULT": "proctortrak",
                "proctortrack": {"client_secret": SECRET, "SHOW_REVIEW_RULES": "0", "show_review_rule": SECRET},
            }
        )
        assert len(result.notices) >= 4
        assert SECRET not in repr(result)
        for notice in result.notices:
            assert SECRET not in f"{notice.message} {notice.hint}"

    def test_empty_setting_only_misses_default(self):
        result = normalise_proctoring_backends({})
        assert result.value == {}
        assert ids_of(result) == [n.DEFAULT_MISSING]


class ApplySettingsShimTest(SimpleTestCase):
    """The hook applies the normalisation to a settings module or namespace and records what it noticed."""

    def test_project_without_the_setting_is_left_alone(self):
        module = types.ModuleType("fake_settings")
        assert apply_settings_shim(module) is None
        assert not hasattr(module, "PROCTORING_BACKENDS")
        assert not hasattr(module, RESULT_SETTING_NAME)

    def test_module_is_normalised_in_place(self):
        module = types.ModuleType("fake_settings")
        module.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {}}
        result = apply_settings_shim(module)
        assert module.PROCTORING_BACKENDS is result.value
        assert getattr(module, RESULT_SETTING_NAME) is result
        assert module.PROCTORING_BACKENDS["proctortrack"]["show_review_rules"] is False

    def test_namespace_dict_from_globals(self):
        namespace = {"PROCTORING_BACKENDS": {"DEFAULT": "x", "x": {"show_review_rules": "false"}}}
        apply_settings_shim(namespace)
        assert namespace["PROCTORING_BACKENDS"]["x"]["show_review_rules"] is False

    def test_second_run_keeps_the_first_record(self):
        module = types.ModuleType("fake_settings")
        module.PROCTORING_BACKENDS = {"DEFAULT": "proctortrack", "proctortrack": {}}
        first = apply_settings_shim(module)
        assert apply_settings_shim(module) is first
        assert first.option("proctortrack", "show_review_rules").source == "legacy-rule"

    def test_legacy_backends_read_from_the_same_module(self):
        module = types.ModuleType("fake_settings")
        module.TOGGLES_MIGRATION = {"LEGACY_BACKENDS": ["ptv2"]}
        module.PROCTORING_BACKENDS = {"DEFAULT": "ptv2", "ptv2": {}, "proctortrack": {}}
        apply_settings_shim(module)
        assert module.PROCTORING_BACKENDS["ptv2"]["requires_escalation_email"] is True
        assert module.PROCTORING_BACKENDS["proctortrack"]["requires_escalation_email"] is False

    def test_invalid_value_fails_settings_load(self):
        module = types.ModuleType("fake_settings")
        module.PROCTORING_BACKENDS = ["proctortrack"]
        with pytest.raises(ImproperlyConfigured, match="PROCTORING_BACKENDS must be a dict, found list"):
            apply_settings_shim(module)


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
_option_keys = st.sampled_from(
    [
        "show_review_rules",
        "SHOW_REVIEW_RULES",
        "requires_escalation_email",
        "REQUIRES_ESCALATION_EMAIL",
        "show_review_rule",
        "client_secret",
    ]
)
_option_values = st.sampled_from([True, False, 0, 1, 2, "false", " Yes ", "maybe", None]) | _json
_backend = st.dictionaries(_option_keys | st.text(max_size=8), _option_values, max_size=4)
_backends = st.dictionaries(
    st.sampled_from(["DEFAULT", "proctortrack", "null", "mockprock"]) | st.text(max_size=6) | st.integers(),
    _backend | _json,
    max_size=4,
)


@given(value=_backends | _json)
@settings(max_examples=300, deadline=None)
def test_any_json_like_value_is_normalised_or_refused(value):
    before = copy.deepcopy(value)
    try:
        result = normalise_proctoring_backends(value)
    except ImproperlyConfigured:
        assert value == before
        return
    assert value == before
    for backend, entry in result.value.items():
        if backend != "DEFAULT":
            assert isinstance(entry["show_review_rules"], bool)
            assert isinstance(entry["requires_escalation_email"], bool)
            assert "SHOW_REVIEW_RULES" not in entry and "REQUIRES_ESCALATION_EMAIL" not in entry
