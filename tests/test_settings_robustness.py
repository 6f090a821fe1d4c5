"""Settings edge cases: bounded intervals, a configured READS_CACHE, hostile objects, and snippets that parse back."""

import ast
import math
import re
import types

import ddt
import pytest
import yaml
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import SimpleTestCase, override_settings
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from toggles_migration.checks import notices as n
from toggles_migration.checks.notices import InvalidProctoringBackends, InvalidTogglesMigration
from toggles_migration.checks.system import check_settings
from toggles_migration.management.plan_text import snippet_lines
from toggles_migration.settings.config import (
    MAX_LOCK_TIMEOUT,
    MAX_READS_LOG_INTERVAL,
    parse_settings,
    read_settings,
)
from toggles_migration.settings.shim import normalise_proctoring_backends

PLAIN_HINT = (
    "use plain Python values in TOGGLES_MIGRATION (str, bool, int, float, list, tuple, dict), not objects whose "
    "comparison, hashing, iteration, indexing or repr fails."
)
SURROGATE = "proctortrack\udcff"


def hostile(base, *methods):
    """A subclass of ``base`` whose ``methods`` raise, as a broken or malicious operator object would."""

    def fail(self, *args, **kwargs):
        raise RuntimeError("hostile object")

    namespace = dict.fromkeys(methods, fail)
    namespace.setdefault("__hash__", base.__hash__)  # defining __eq__ alone would make it unhashable
    return type(f"Hostile{base.__name__.capitalize()}", (base,), namespace)


HostileStr = hostile(str, "__eq__", "__hash__", "__repr__", "strip", "encode", "lower", "__lt__")
HostileList = hostile(list, "__iter__", "__getitem__", "__len__")
HostileDict = hostile(dict, "__iter__", "__getitem__", "keys", "items", "__contains__", "__eq__", "get")
HostileObject = hostile(object, "__eq__", "__hash__", "__repr__", "__str__")
HostileFloat = hostile(float, "__le__", "__ge__", "__lt__", "__gt__", "__float__")
# Hashable, so they can be dict keys; comparing, printing or ordering them raises.
HostileKey = hostile(object, "__repr__", "__str__", "__lt__", "__format__")
HostileName = hostile(str, "__eq__", "__repr__", "strip", "lower", "__lt__")


@ddt.ddt
class ReadsLogIntervalTest(SimpleTestCase):
    """READS_LOG_INTERVAL is a finite number of seconds from 0 to one day."""

    @ddt.data(0, 0.5, 300, MAX_READS_LOG_INTERVAL)
    def test_accepted(self, value):
        assert parse_settings({"READS_LOG_INTERVAL": value}).reads_log_interval == float(value)

    def test_the_maximum_is_one_day(self):
        assert MAX_READS_LOG_INTERVAL == 24 * 60 * 60

    @ddt.data(
        (math.nan, "float out of that range"),
        (math.inf, "float out of that range"),
        (-math.inf, "float out of that range"),
        (10**400, "int out of that range"),
        (-1, "int out of that range"),
        (MAX_READS_LOG_INTERVAL + 0.5, "float out of that range"),
        ("300", "str"),
        (True, "bool"),
        (None, "None"),
    )
    @ddt.unpack
    def test_refused(self, value, found):
        with pytest.raises(InvalidTogglesMigration) as raised:
            parse_settings({"READS_LOG_INTERVAL": value})
        assert raised.value.message == (
            "TOGGLES_MIGRATION['READS_LOG_INTERVAL'] must be a finite number of seconds from 0 to 86400 (one day), "
            f"found {found}."
        )
        assert raised.value.hint == "e.g. TOGGLES_MIGRATION['READS_LOG_INTERVAL'] = 300."

    @override_settings(TOGGLES_MIGRATION={"READS_LOG_INTERVAL": 10**400})
    def test_a_huge_interval_is_check_e005(self):
        assert [(message.id, type(message)) for message in check_settings()] == [
            (n.INVALID_TOGGLES_MIGRATION, checks.Error)
        ]


@ddt.ddt
class LockTimeoutTest(SimpleTestCase):
    """LOCK_TIMEOUT is a whole number of seconds from 1 to one hour, 30 unless set."""

    def test_the_default_is_thirty_seconds(self):
        assert parse_settings(None).lock_timeout == 30

    @ddt.data(1, 30, MAX_LOCK_TIMEOUT)
    def test_accepted(self, value):
        assert parse_settings({"LOCK_TIMEOUT": value}).lock_timeout == value

    def test_the_maximum_is_one_hour(self):
        assert MAX_LOCK_TIMEOUT == 60 * 60

    @ddt.data(
        (0, "int out of that range"),
        (-5, "int out of that range"),
        (MAX_LOCK_TIMEOUT + 1, "int out of that range"),
        (10**400, "int out of that range"),
        (1.5, "float"),
        (math.inf, "float"),
        ("30", "str"),
        (True, "bool"),
        (None, "None"),
    )
    @ddt.unpack
    def test_refused(self, value, found):
        with pytest.raises(InvalidTogglesMigration) as raised:
            parse_settings({"LOCK_TIMEOUT": value})
        assert raised.value.message == (
            "TOGGLES_MIGRATION['LOCK_TIMEOUT'] must be a whole number of seconds from 1 to 3600 (one hour), "
            f"found {found}."
        )
        assert raised.value.hint == "e.g. TOGGLES_MIGRATION['LOCK_TIMEOUT'] = 30."

    @override_settings(TOGGLES_MIGRATION={"LOCK_TIMEOUT": 0})
    def test_a_zero_timeout_is_check_e005(self):
        assert [(message.id, type(message)) for message in check_settings()] == [
            (n.INVALID_TOGGLES_MIGRATION, checks.Error)
        ]


class ReadsCacheTest(SimpleTestCase):
    """READS_CACHE names an alias of CACHES, or check E005 says which ones exist."""

    @override_settings(
        TOGGLES_MIGRATION={"READS_CACHE": "shared"},
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
    )
    def test_an_unknown_alias_is_e005(self):
        [message] = check_settings()
        assert (message.id, type(message)) == (n.INVALID_TOGGLES_MIGRATION, checks.Error)
        assert message.msg == "TOGGLES_MIGRATION['READS_CACHE'] is 'shared', which is not a cache alias in CACHES."
        assert message.hint == (
            "Fix: set TOGGLES_MIGRATION['READS_CACHE'] to one of: 'default', or add 'shared' to CACHES."
        )

    @override_settings(
        TOGGLES_MIGRATION={"READS_CACHE": "shared"},
        CACHES={
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
            "shared": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        },
    )
    def test_a_configured_alias_passes(self):
        assert not [message for message in check_settings() if message.id == n.INVALID_TOGGLES_MIGRATION]


@ddt.ddt
class HostileTogglesMigrationTest(SimpleTestCase):
    """Objects whose methods raise give ImproperlyConfigured naming the setting and the type, never a crash."""

    @ddt.data(
        (HostileDict({"READS": "warn"}), "TOGGLES_MIGRATION", "HostileDict"),
        ({HostileKey(): 1}, "TOGGLES_MIGRATION", "dict"),
        ({"LEGACY_BACKENDS": HostileList(["proctortrack"])}, "TOGGLES_MIGRATION['LEGACY_BACKENDS']", "HostileList"),
        ({"DECISIONS": {HostileKey(): True}}, "TOGGLES_MIGRATION['DECISIONS']", "dict"),
        (
            {"DECISIONS": HostileDict({"studio.show_review_rules": True})},
            "TOGGLES_MIGRATION['DECISIONS']",
            "HostileDict",
        ),
        ({"READS": HostileStr("warn")}, "TOGGLES_MIGRATION['READS']", "HostileStr"),
        ({"READS_LOG_INTERVAL": HostileFloat(5.0)}, "TOGGLES_MIGRATION['READS_LOG_INTERVAL']", "HostileFloat"),
    )
    @ddt.unpack
    def test_refused_naming_the_setting_and_type(self, raw, path, found):
        with pytest.raises(ImproperlyConfigured) as raised:
            parse_settings(raw)
        assert raised.value.message == f"{path} cannot be read: reading its {found} value raised RuntimeError."
        assert raised.value.hint == PLAIN_HINT

    def test_a_str_subclass_is_read_by_its_text_alone(self):
        parsed = parse_settings({"LEGACY_BACKENDS": [HostileStr("proctortrack")], "READS_CACHE": HostileStr("c")})
        assert (parsed.legacy_backends, parsed.reads_cache) == (("proctortrack",), "c")
        assert (type(parsed.legacy_backends[0]), type(parsed.reads_cache)) == (str, str)

    def test_a_value_that_cannot_be_copied_or_compared_is_read_again_each_time(self):
        uncomparable = hostile(dict, "__eq__", "__deepcopy__", "__reduce_ex__")({"READS": "silent"})
        module = types.ModuleType("fake_settings")
        module.TOGGLES_MIGRATION = uncomparable
        assert [read_settings(module).reads, read_settings(module).reads] == ["silent", "silent"]

    @override_settings(TOGGLES_MIGRATION={"READS": HostileStr("warn")})
    def test_check_reports_e005(self):
        [message] = check_settings()
        assert (message.id, message.msg) == (
            n.INVALID_TOGGLES_MIGRATION,
            "TOGGLES_MIGRATION['READS'] cannot be read: reading its HostileStr value raised RuntimeError.",
        )


@ddt.ddt
class HostileProctoringBackendsTest(SimpleTestCase):
    """The shim reports operator objects it cannot read as InvalidProctoringBackends (E001)."""

    @ddt.data(
        (HostileDict({"DEFAULT": "proctortrack"}), "HostileDict"),
        ({"DEFAULT": "proctortrack", HostileName("proctortrack"): {}}, "dict"),
        ({"DEFAULT": "proctortrack", "proctortrack": HostileDict({"show_review_rules": True})}, "dict"),
        ({"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": HostileStr("true")}}, "dict"),
        ({"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": hostile(int, "__eq__")(1)}}, "dict"),
    )
    @ddt.unpack
    def test_refused_naming_the_setting_and_type(self, value, found):
        with pytest.raises(InvalidProctoringBackends) as raised:
            normalise_proctoring_backends(value)
        assert raised.value.message == (
            f"PROCTORING_BACKENDS cannot be read: reading its {found} value raised RuntimeError."
        )
        assert raised.value.hint == (
            "use plain values in PROCTORING_BACKENDS (str keys; dict entries of str, bool and int values), not "
            "objects whose comparison, hashing, iteration, indexing or repr fails."
        )

    @override_settings(PROCTORING_BACKENDS=HostileDict({"DEFAULT": "proctortrack"}))
    def test_check_reports_e001(self):
        assert [message.id for message in check_settings()] == [n.INVALID_PROCTORING_BACKENDS]


class LoneSurrogateTest(SimpleTestCase):
    """A backend name holding a lone surrogate is refused with a clear error, never a UnicodeEncodeError."""

    def test_in_legacy_backends_it_is_e005(self):
        with pytest.raises(InvalidTogglesMigration) as raised:
            parse_settings({"LEGACY_BACKENDS": [SURROGATE]})
        assert raised.value.message == (
            "TOGGLES_MIGRATION['LEGACY_BACKENDS'][0] is 'proctortrack\\udcff', which holds a lone surrogate: "
            "not text any output can show."
        )

    def test_in_proctoring_backends_it_is_e001(self):
        with pytest.raises(InvalidProctoringBackends) as raised:
            normalise_proctoring_backends({"DEFAULT": SURROGATE, SURROGATE: {}})
        assert raised.value.message == (
            "PROCTORING_BACKENDS has the backend name 'proctortrack\\udcff', which holds a lone surrogate: "
            "not text that any report can show."
        )


@pytest.mark.django_db
def test_plan_with_a_surrogate_legacy_backend_is_a_command_error(settings):
    settings.TOGGLES_MIGRATION = {"LEGACY_BACKENDS": [SURROGATE]}
    with pytest.raises(CommandError, match=re.escape("['LEGACY_BACKENDS'][0] is 'proctortrack\\udcff', which")):
        call_command("retire_toggle", "plan")


_plain = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8)
# Built, not sampled: Hypothesis shows a strategy's sampled values with repr, which these refuse.
_hostile = st.one_of(
    st.builds(HostileStr, st.sampled_from(["warn", "proctortrack", "default"])),
    st.builds(HostileName, st.sampled_from(["warn", "proctortrack", "DEFAULT"])),
    st.builds(HostileList, st.lists(st.text(max_size=4), max_size=2)),
    st.builds(HostileDict, st.dictionaries(st.text(max_size=4), st.booleans(), max_size=2)),
    st.builds(HostileObject),
    st.builds(HostileFloat, st.floats(0, 10)),
)
_values = st.recursive(
    _plain | _hostile,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=8) | st.builds(HostileKey), children, max_size=3)
    ),
    max_leaves=8,
)
_keys = st.sampled_from(
    ["LEGACY_BACKENDS", "DECISIONS", "STRICT", "READS", "READS_LOG_INTERVAL", "READS_CACHE", "LOCK_TIMEOUT"]
)


@given(toggles=st.dictionaries(_keys, _values, max_size=3) | _values, backends=_values)
@hypothesis_settings(max_examples=200, deadline=None)
def test_any_value_with_hostile_objects_gives_check_messages_never_a_crash(toggles, backends):
    with override_settings(TOGGLES_MIGRATION=toggles, PROCTORING_BACKENDS=backends):
        found = check_settings()
    assert all(
        isinstance(message, checks.CheckMessage) and message.id.startswith("toggles_migration.") for message in found
    )


# Backend names that YAML reads as something else (or not at all) when left unquoted.
YAML_TRICKY = [
    "null", "Null", "~", "yes", "No", "on", "OFF", "true", "False", "y", "n", "123", "1.5", "0x1f", "1e3", ".inf",
    "-1", "2026-01-01", "a: b", "#x", "a #b", "- x", "[a]", "{a}", "&anchor", "*alias", "!tag", "%x", "@x", "`x",
    "|x", ">x", "?x", "'quoted'", '"double"', " padded ", "", "<<", "=", "tab\tname", "new\nline", "caf\u00e9",
    "del\x7f", "back\\slash",
]  # fmt: skip


def parsed_yaml(snippet):
    """The PROCTORING_BACKENDS mapping of the snippet's YAML lines, parsed back with PyYAML."""
    lines = snippet_lines(snippet)
    start = lines.index("    PROCTORING_BACKENDS:")
    end = lines.index(
        "or with Tutor's toggles-migration plugin (--set replaces the key; this value keeps what it holds):"
    )
    return yaml.safe_load("\n".join(lines[start:end]))["PROCTORING_BACKENDS"]


def parsed_python(snippet):
    """The backend names of the snippet's Python lines, parsed back as Python literals."""
    lines = snippet_lines(snippet)
    python = lines[1 : lines.index("or in YAML (LMS and CMS config; Tutor: a patch of your plugin):")]
    return [next(iter(ast.literal_eval("{" + line.strip().replace("{..., ", "{") + "}"))) for line in python]


@pytest.mark.parametrize("name", YAML_TRICKY)
def test_yaml_snippet_reads_back_the_same_backend_name(name):
    assert parsed_yaml({name: {"show_review_rules": False}}) == {name: {"show_review_rules": False}}


@pytest.mark.parametrize("name", YAML_TRICKY)
def test_python_snippet_reads_back_the_same_backend_name(name):
    assert parsed_python({name: {"show_review_rules": False}}) == [name]


@pytest.mark.parametrize(
    ("name", "shown"),
    [("proctortrack", "proctortrack"), ("null", "'null'"), ("a: b", "'a: b'"), ("caf\u00e9", '"caf\\xE9"')],
)
def test_only_names_yaml_would_misread_are_quoted(name, shown):
    assert f"      {shown}:" in snippet_lines({name: {"show_review_rules": False}})


@given(names=st.lists(st.text(max_size=40), min_size=1, max_size=4, unique=True))
@hypothesis_settings(max_examples=300, deadline=None)
def test_any_backend_names_read_back_from_both_snippets(names):
    snippet = {name: {"requires_escalation_email": True, "show_review_rules": True} for name in names}
    assert parsed_yaml(snippet) == snippet
    assert parsed_python(snippet) == names
