"""Our capability helpers give exactly upstream's answers."""

import ddt
import pytest
from django.conf import settings
from django.test import SimpleTestCase, override_settings

import toggles_migration
from toggles_migration import (
    normalise_proctoring_backends,
    requires_escalation_email,
    requires_escalation_email_providers,
    show_review_rules,
)
from toggles_migration.capabilities import option_value
from toggles_migration.retirements import managed_options


# The reference: upstream's common/djangoapps/util/proctoring.py and xmodule's provider list, verbatim in logic.
def upstream_requires_escalation_email(proctoring_provider):
    return settings.PROCTORING_BACKENDS.get(proctoring_provider, {}).get("requires_escalation_email", False)


def upstream_show_review_rules(proctoring_provider):
    return settings.PROCTORING_BACKENDS.get(proctoring_provider, {}).get("show_review_rules", True)


def upstream_requires_escalation_email_providers():
    """edx-proctoring's list of the providers that require an escalation email, as upstream computes it."""
    providers = [
        name
        for name, config in settings.PROCTORING_BACKENDS.items()
        if name != "DEFAULT" and config.get("requires_escalation_email", False)
    ]
    providers.append("lti_external")
    return sorted(providers)


BACKENDS = {
    "DEFAULT": "proctortrack",
    "proctortrack": {"show_review_rules": False, "requires_escalation_email": True, "client_secret": "x"},
    "software_secure": {"show_review_rules": True},
    "mockprock": {},
    "strict": {"requires_escalation_email": True, "show_review_rules": False},
}


@ddt.ddt
@override_settings(PROCTORING_BACKENDS=BACKENDS)
class EquivalenceTest(SimpleTestCase):
    """Same answers as upstream for every provider, configured or not."""

    @ddt.data("proctortrack", "software_secure", "mockprock", "strict", "lti_external", "unknown", None, "")
    def test_show_review_rules(self, provider):
        assert show_review_rules(provider) is bool(upstream_show_review_rules(provider))

    @ddt.data("proctortrack", "software_secure", "mockprock", "strict", "lti_external", "unknown", None, "")
    def test_requires_escalation_email(self, provider):
        assert requires_escalation_email(provider) is bool(upstream_requires_escalation_email(provider))

    def test_requires_escalation_email_providers(self):
        assert requires_escalation_email_providers() == upstream_requires_escalation_email_providers()
        assert requires_escalation_email_providers() == ["lti_external", "proctortrack", "strict"]

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "zeta", "zeta": {"requires_escalation_email": True}})
    def test_lti_external_is_sorted_among_the_providers(self):
        assert requires_escalation_email_providers() == ["lti_external", "zeta"]


class DefaultsTest(SimpleTestCase):
    """Unconfigured providers and settings get upstream's defaults instead of an exception."""

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "null", "null": {}})
    def test_default_entry_is_not_a_provider(self):
        assert show_review_rules("DEFAULT") is True
        assert requires_escalation_email("DEFAULT") is False

    @override_settings(PROCTORING_BACKENDS={"DEFAULT": "null", "null": {}})
    def test_default_is_a_deliberate_difference_from_upstream(self):
        # Upstream calls .get() on the provider-name string and raises; ours gives the default.
        with self.assertRaises(AttributeError):
            upstream_show_review_rules("DEFAULT")
        assert show_review_rules("DEFAULT") is True

    def test_no_setting_at_all(self):
        with override_settings():
            del settings.PROCTORING_BACKENDS
            assert show_review_rules("proctortrack") is True
            assert requires_escalation_email("proctortrack") is False
            assert requires_escalation_email_providers() == ["lti_external"]

    @override_settings(
        PROCTORING_BACKENDS={"DEFAULT": "lti_external", "lti_external": {"requires_escalation_email": 1}}
    )
    def test_lti_external_listed_once(self):
        assert requires_escalation_email_providers() == ["lti_external"]

    def test_normalised_setting_answers_legacy_values(self):
        normalised = normalise_proctoring_backends({"DEFAULT": "proctortrack", "proctortrack": {}}).value
        with override_settings(PROCTORING_BACKENDS=normalised):
            assert show_review_rules("proctortrack") is False
            assert requires_escalation_email("proctortrack") is True
            assert upstream_show_review_rules("proctortrack") is False


class GenericReaderTest(SimpleTestCase):
    """Every declared option is readable through option_value; the public helpers are thin readers over it."""

    def test_every_declared_option_reads_its_upstream_default_when_unset(self):
        with override_settings(PROCTORING_BACKENDS={"DEFAULT": "x", "x": {"client_id": "a"}}):
            assert {option.name: option_value("x", option) for option in managed_options()} == {
                option.name: option.upstream_default for option in managed_options()
            }

    def test_every_declared_option_reads_the_value_set(self):
        flipped = {option.name: not option.upstream_default for option in managed_options()}
        with override_settings(PROCTORING_BACKENDS={"DEFAULT": "x", "x": flipped}):
            assert {option.name: option_value("x", option) for option in managed_options()} == flipped
            assert {name: option_value("x", name) for name in flipped} == flipped

    def test_every_declared_helper_is_the_generic_reader_of_its_option(self):
        helped = [option for option in managed_options() if option.helper]
        assert [option.helper for option in helped] == ["requires_escalation_email", "show_review_rules"]
        for value in (True, False):
            backends = {"DEFAULT": "x", "x": {option.name: value for option in helped}}
            with override_settings(PROCTORING_BACKENDS=backends):
                for option in helped:
                    assert getattr(toggles_migration, option.helper)("x") is option_value("x", option) is value

    def test_an_undeclared_option_name_is_refused_naming_the_known_ones(self):
        with pytest.raises(LookupError) as raised:
            option_value("x", "show_review_rule")
        known = ", ".join(option.name for option in managed_options())
        assert str(raised.value) == f"'show_review_rule' is not a managed option; known: {known}"


UNREADABLE_FIX = (
    "Fix: set PROCTORING_BACKENDS to a dict of backend name to a dict of options, e.g. "
    "{'proctortrack': {'show_review_rules': False}}. (0 times more since the last record.)"
)


@pytest.fixture(name="no_rate_limits")
def no_rate_limits_fixture():
    """Every test logs its problem afresh."""
    from toggles_migration.reads import notify  # pylint: disable=import-outside-toplevel

    notify.reset_rate_limits()
    yield
    notify.reset_rate_limits()


def logged(caplog):
    """The messages of the records logged by the helpers."""
    return [record.getMessage() for record in caplog.records if record.name == "toggles_migration.reads"]


class _Hostile(dict):
    """A dict whose items cannot be read."""

    def items(self):
        raise RuntimeError("items")


@pytest.mark.usefixtures("no_rate_limits")
@pytest.mark.parametrize(
    "value, problem",
    [
        (["proctortrack"], "PROCTORING_BACKENDS must be a dict, found list"),
        (None, "PROCTORING_BACKENDS must be a dict, found None"),
        (_Hostile(), "reading it raised RuntimeError"),
        (
            {1: {"requires_escalation_email": True}, "a": {"requires_escalation_email": True}},
            "reading it raised TypeError",
        ),
    ],
)
def test_providers_with_an_unreadable_setting_answer_lti_external_and_log_it(caplog, value, problem):
    with override_settings(PROCTORING_BACKENDS=value):
        assert requires_escalation_email_providers() == ["lti_external"]
    assert logged(caplog) == [
        f"{problem} (changed at run time?): requires_escalation_email_providers() answers ['lti_external'] until it "
        f"is fixed. {UNREADABLE_FIX}"
    ]


@pytest.mark.usefixtures("no_rate_limits")
@pytest.mark.parametrize(
    "value, problem",
    [
        (["proctortrack"], "PROCTORING_BACKENDS must be a dict, found list"),
        ({"proctortrack": ["show_review_rules"]}, "PROCTORING_BACKENDS['proctortrack'] must be a dict, found list"),
    ],
)
def test_an_option_with_an_unreadable_setting_answers_the_default_and_logs_it(caplog, value, problem):
    with override_settings(PROCTORING_BACKENDS=value):
        assert show_review_rules("proctortrack") is True
    assert logged(caplog) == [
        f"{problem} (changed at run time?): the show_review_rules option of 'proctortrack' answers True until it is "
        f"fixed. {UNREADABLE_FIX}"
    ]


@pytest.mark.usefixtures("no_rate_limits")
def test_an_unreadable_setting_is_logged_once_per_interval(caplog):
    with override_settings(PROCTORING_BACKENDS=["proctortrack"]):
        for _ in range(3):
            requires_escalation_email_providers()
    assert len(logged(caplog)) == 1


@pytest.mark.usefixtures("no_rate_limits")
def test_the_default_entry_and_a_missing_setting_are_not_problems(caplog):
    with override_settings(PROCTORING_BACKENDS={"DEFAULT": "proctortrack"}):
        assert show_review_rules("DEFAULT") is True
        del settings.PROCTORING_BACKENDS
        assert requires_escalation_email_providers() == ["lti_external"]
    assert not logged(caplog)
