"""Tests of the pure mapping from a retired flag's legacy state (and the effective settings) to a Plan."""

import dataclasses
import json
import random
from unittest import mock

import ddt
from django.test import SimpleTestCase

from toggles_migration import plan as plan_module
from toggles_migration.plan import CurrentSettings, DecidedChange, EffectiveValue, build_plan, json_data
from toggles_migration.retirements import SHOW_REVIEW_RULES_RETIREMENT, declared
from toggles_migration.settings.shim import normalise_proctoring_backends
from toggles_migration.state.legacy_state import (
    Ambiguous,
    InvalidRow,
    KnownCourse,
    LegacyState,
    Override,
    Tie,
    legacy_values,
    parse_course_key,
)

TOGGLE = "studio.show_review_rules"
D1 = "2024-01-01T00:00:00+00:00"
COURSE = "course-v1:edX+DemoX+1"
OTHER_COURSE = "course-v1:MITx+6.002x+2024"
DEPRECATED_COURSE = "edX/DemoX/Demo_Course"
COURSE_OVERRIDES = "waffle_utils_waffleflagcourseoverridemodel"
COURSE_OVERVIEWS = "course_overviews_courseoverview"
SECRET = "s3cr3t-value-that-must-never-leak"
LEGACY = ("proctortrack",)


# ---------------------------------------------------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------------------------------------------------


def flag(**fields):
    """A waffle_flag row with no targeting at all, updated with ``fields``."""
    row = {
        "id": 1,
        "name": TOGGLE,
        "everyone": None,
        "percent": None,
        "testing": False,
        "superusers": False,
        "staff": False,
        "authenticated": False,
        "languages": "",
        "rollout": False,
        "note": "",
        "created": D1,
        "modified": D1,
    }
    row.update(fields)
    return row


def state(flag_row=None, courses=(), orgs=(), *, users=0, groups=0, invalid=(), ties=(), known=None):
    """
    A LegacyState: ``courses``/``orgs`` are effective overrides as (key, value) pairs, ``known`` the known courses.

    ``known`` items are KnownCourse or course ids; an id gets the value of the course override stored under that
    exact key, else of its org's (the database's comparison is tested in test_legacy_state).
    """
    course_overrides = tuple(Override(key, value, index) for index, (key, value) in enumerate(courses, start=1))
    org_overrides = tuple(Override(key, value, 100 + index) for index, (key, value) in enumerate(orgs, start=1))
    return LegacyState(
        toggle=TOGGLE,
        flag_row=flag_row,
        user_count=users,
        group_count=groups,
        course_overrides=course_overrides,
        org_overrides=org_overrides,
        invalid_rows=tuple(invalid),
        ties=tuple(ties),
        courses=None if known is None else tuple(_known(item, dict(courses), dict(orgs)) for item in known),
    )


def _known(item, course_values, org_values):
    if isinstance(item, KnownCourse):
        return item
    if course_values.get(item) is not None:
        return course(item, course_value=course_values[item])
    key, problem = parse_course_key(item)
    if problem:
        return course(item, problem=problem)
    return course(item, org_value=org_values.get(key.org))


def course_row(row_id, key, choice="on", *, enabled=True):
    """The effective course override of ``key`` (its newest row), as a (key, value) pair."""
    del row_id  # the id a stored row would have: the database picks the effective row (test_legacy_state)
    return key, (choice == "on") if enabled else None


def org_row(row_id, key, choice="on", *, enabled=True):
    """The effective org override of ``key`` (its newest row), as a (key, value) pair."""
    del row_id
    return key, (choice == "on") if enabled else None


stored = state


def course(course_id, email="ops@example.com", provider="proctortrack", **values):
    return KnownCourse(course_id=course_id, provider=provider, escalation_email=email, **values)


def global_flag(value):
    """A Flag row whose global value is ``value`` (True, False or 'conditional')."""
    if value == "conditional":
        return flag(staff=True)
    return flag(everyone=value)


def plan(legacy, courses=None, backends=LEGACY, **kwargs):
    """Build the plan of the show_review_rules retirement; ``courses`` (ids or KnownCourse) makes them known."""
    if courses is not None:
        legacy = LegacyState(
            **{
                **legacy.__dict__,
                "courses": tuple(
                    _known(
                        item,
                        {o.key: o.value for o in legacy.course_overrides},
                        {o.key: o.value for o in legacy.org_overrides},
                    )
                    for item in courses
                ),
            }
        )
    return build_plan(legacy, SHOW_REVIEW_RULES_RETIREMENT, backends, **kwargs)


def legacy_value(legacy, course_id):
    """The legacy value of one known course, read through the plan's counts."""
    result = plan(legacy, courses=[course_id])
    assert result.known_courses == 1
    return result.legacy_values["true"] == 1


def exception_keys(result):
    return [(item.scope, item.key, item.legacy_value) for item in result.exceptions]


def shim(config, legacy_backends=LEGACY):
    """The ShimResult of PROCTORING_BACKENDS = {'DEFAULT': ..., **config}."""
    return normalise_proctoring_backends({"DEFAULT": next(iter(config), "null"), **config}, legacy_backends)


# ---------------------------------------------------------------------------------------------------------------------
# Invalid rows and ties, as read from the database
# ---------------------------------------------------------------------------------------------------------------------


class InvalidRowsTest(SimpleTestCase):
    """Invalid rows are reported, never evaluated."""

    def test_invalid_override_rows_are_reported(self):
        invalid = [InvalidRow(COURSE_OVERRIDES, "7", "course id 'not a key' does not parse as a course key")]
        for courses in (None, [COURSE]):
            result = plan(state(flag(everyone=True), invalid=invalid), courses=courses)
            assert result.invalid_rows == tuple(invalid)

    def test_known_course_that_does_not_parse_is_reported_not_counted(self):
        result = plan(state(), courses=[COURSE, "not a key"])
        assert result.invalid_rows == (
            InvalidRow(COURSE_OVERVIEWS, "not a key", "course id 'not a key' does not parse as a course key"),
        )
        assert (result.known_courses, result.legacy_values) == (1, {"true": 0, "false": 1, "ambiguous": 0})

    def test_valid_state_reports_nothing(self):
        assert not plan(state(flag(), courses=[(COURSE, True)], orgs=[("edX", True)]), courses=[COURSE]).invalid_rows

    def test_sorted_by_table_then_id(self):
        invalid = [InvalidRow(COURSE_OVERRIDES, "3", "x"), InvalidRow(COURSE_OVERRIDES, "2", "y")]
        result = plan(state(invalid=invalid), courses=["not a key"])
        assert [(row.table, row.id) for row in result.invalid_rows] == [
            (COURSE_OVERVIEWS, "not a key"),
            (COURSE_OVERRIDES, "2"),
            (COURSE_OVERRIDES, "3"),
        ]


class TiesTest(SimpleTestCase):
    """The ties the database resolved are part of the plan (and so of the capture)."""

    def test_ties_are_in_the_plan(self):
        tie = Tie(COURSE_OVERRIDES, COURSE, (3, 5), 3, (True, True))
        result = plan(state(courses=[(COURSE, True)], ties=[tie]))
        assert (result.ties, result.ambiguous) == ((tie,), ())
        assert json_data(result)["ties"] == [
            {"table": COURSE_OVERRIDES, "key": COURSE, "tied_ids": [3, 5], "effective_id": 3, "values": [True, True]}
        ]

    def test_no_ties(self):
        assert json_data(plan(state()))["ties"] == []


AMBIGUOUS = "course-v1:Tied+X+1"
DISAGREE = Tie(COURSE_OVERRIDES, AMBIGUOUS, (3, 5), None, (True, False))


def _with_ambiguous_course(global_raw=False):
    """Courses A and B saw True, C saw False, and AMBIGUOUS's tied newest overrides disagree (either value)."""
    return state(
        global_flag(global_raw),
        courses=[*_majority_rows(), (AMBIGUOUS, Ambiguous((False, True)))],
        ties=[DISAGREE],
    )


ALL_FOUR = ["course-v1:A+X+1", "course-v1:B+X+1", "course-v1:C+X+1", AMBIGUOUS]


@ddt.ddt
class AmbiguousTiesTest(SimpleTestCase):
    """Tied newest rows that disagree: listed, counted apart, never deciding, settled by the decision."""

    def test_counted_apart(self):
        result = plan(_with_ambiguous_course(), courses=ALL_FOUR)
        assert (result.known_courses, result.legacy_values) == (4, {"true": 2, "false": 1, "ambiguous": 1})
        assert result.ambiguous == (DISAGREE,)

    @ddt.data(*range(3))
    def test_never_decide_the_majority(self, extra):
        # One True and one False course: a tie of the majority whatever the number of ambiguous courses.
        ambiguous = [f"course-v1:Tied+X+{index}" for index in range(extra + 1)]
        data = state(
            global_flag(False),
            courses=[course_row(1, "course-v1:A+X+1", "on"), course_row(2, "course-v1:C+X+1", "off")]
            + [(key, Ambiguous((True, None))) for key in ambiguous],
        )
        result = plan(data, courses=["course-v1:A+X+1", "course-v1:C+X+1", *ambiguous])
        assert (result.decision.value, result.decision.source) == (False, "global")
        assert result.consequences.ambiguous == tuple(ambiguous)

    def test_not_an_exception_and_named_in_the_reason_and_consequences(self):
        result = plan(_with_ambiguous_course(), courses=ALL_FOUR)
        assert (result.decision.value, result.decision.status) == (True, "lossy")
        assert exception_keys(result) == [("course", "course-v1:C+X+1", False)]
        assert result.decision.reason == (
            "Decision from the value most known courses had; 1 courses had a different value and cannot keep it. "
            "1 courses had tied newest override rows that disagree (upstream answered either way): not counted, "
            "they take the decision."
        )
        assert result.consequences.ambiguous == (AMBIGUOUS,)
        assert AMBIGUOUS not in result.consequences.current_settings.courses

    def test_alone_they_make_the_plan_lossy(self):
        data = state(global_flag(True), courses=[(AMBIGUOUS, Ambiguous((False, True)))], ties=[DISAGREE])
        result = plan(data, courses=[COURSE, AMBIGUOUS])
        assert (result.decision.value, result.decision.status, result.exceptions) == (True, "lossy", ())
        assert result.decision.reason == (
            "Decision from the value most known courses had. 1 courses had tied newest override rows that disagree "
            "(upstream answered either way): not counted, they take the decision."
        )

    @ddt.data(True, False)
    def test_the_operator_settles_them(self, value):
        result = plan(_with_ambiguous_course(), courses=ALL_FOUR, decision_override=value)
        assert (result.decision.value, result.decision.source) == (value, "operator")
        assert result.consequences.ambiguous == (AMBIGUOUS,)
        assert AMBIGUOUS not in [item.key for item in result.exceptions]

    @ddt.data(
        # (course level, org level, global value, the course's values)
        (Ambiguous((True, None)), True, False, (True,)),
        (Ambiguous((True, None)), None, True, (True,)),
        (Ambiguous((True, None)), None, False, (False, True)),
        (Ambiguous((False, None)), Ambiguous((False, True)), True, (False, True)),
        (None, Ambiguous((False, None)), False, (False,)),
        (None, Ambiguous((True, None)), False, (False, True)),
        (Ambiguous((False, True)), True, True, (False, True)),
    )
    @ddt.unpack
    def test_a_course_is_ambiguous_only_when_its_values_differ(self, course_value, org_value, global_raw, values):
        known = course(COURSE, course_value=course_value, org_value=org_value)
        assert legacy_values(known, global_raw) == values
        result = plan(state(global_flag(global_raw)), courses=[known])
        assert result.legacy_values["ambiguous"] == (len(values) > 1)

    def test_unknown_courses_ambiguous_overrides_are_not_exceptions(self):
        data = state(
            global_flag(False), courses=[(COURSE, True), (AMBIGUOUS, Ambiguous((False, True)))], ties=[DISAGREE]
        )
        result = plan(data)
        assert exception_keys(result) == [("course", COURSE, True)]
        assert result.ambiguous == (DISAGREE,)
        assert result.consequences.ambiguous is None
        assert result.decision.reason.endswith(
            " 1 overrides had tied newest override rows that disagree (upstream answered either way): not counted, "
            "they take the decision."
        )

    def test_json(self):
        data = json_data(plan(_with_ambiguous_course(), courses=ALL_FOUR))
        assert data["ambiguous"] == [
            {
                "table": COURSE_OVERRIDES,
                "key": AMBIGUOUS,
                "tied_ids": [3, 5],
                "effective_id": None,
                "values": [True, False],
            }
        ]
        assert data["consequences"]["ambiguous"] == [AMBIGUOUS]

    def test_text(self):
        from toggles_migration.management.plan_text import plan_text  # pylint: disable=import-outside-toplevel

        text = plan_text(plan(_with_ambiguous_course(), courses=ALL_FOUR))
        assert "Known courses:    4 (2 saw True, 1 saw False, 1 ambiguous)\n" in text
        assert (
            "Ambiguous ties (1): newest rows share their change_date and disagree, so upstream answered either way; "
            "not counted (--value or DECISIONS settles them)\n"
            f"  {COURSE_OVERRIDES} {AMBIGUOUS}  rows 3, 5: True, False\n"
        ) in text
        assert (
            "Ambiguous (1): their legacy value was either, as their tied overrides disagree; they take the running "
            f"value if you do nothing, show_review_rules=True with the decision:\n  {AMBIGUOUS}"
        ) in text


# ---------------------------------------------------------------------------------------------------------------------
# The global value
# ---------------------------------------------------------------------------------------------------------------------


@ddt.ddt
class GlobalValueTest(SimpleTestCase):
    """The global django-waffle flag as a signed-in course author saw it."""

    @ddt.data((False, False), (True, True), (0, False), (1, True), ("", False), ("yes", True))
    @ddt.unpack
    def test_no_flag_row_gives_flag_default(self, flag_default, expected):
        result = plan(stored(), flag_default=flag_default)
        assert (result.global_value, result.global_conditions) == (expected, ())

    def test_flag_default_defaults_to_false(self):
        assert plan(stored()).global_value is False

    def test_flag_default_is_ignored_when_a_flag_row_exists(self):
        assert plan(stored(flag()), flag_default=True).global_value is False

    @ddt.data(
        (True, {}),
        (False, {}),
        (True, {"staff": True, "percent": "50"}),
        (False, {"authenticated": True, "superusers": True}),
        (False, {"languages": "en", "testing": True}),
    )
    @ddt.unpack
    def test_everyone_gives_its_value(self, everyone, targeting):
        result = plan(stored(flag(everyone=everyone, **targeting), users=2, groups=1))
        assert (result.global_value, result.global_conditions) == (everyone, ())

    @ddt.data({}, {"staff": True}, {"percent": "10"})
    def test_authenticated_gives_true(self, targeting):
        result = plan(stored(flag(authenticated=True, **targeting), users=1))
        assert (result.global_value, result.global_conditions) == (True, ())

    @ddt.data(
        {},
        {"percent": "0"},
        {"percent": "0.0"},
        {"percent": 0},
        {"languages": None},
        {"languages": "   "},
        {"rollout": True},
        {"note": "staff only"},
    )
    def test_no_targeting_gives_false(self, fields):
        result = plan(stored(flag(**fields)))
        assert (result.global_value, result.global_conditions) == (False, ())

    @ddt.data(
        ({"percent": "0.5"}, 0, 0, ("percent",)),
        ({"percent": "100"}, 0, 0, ("percent",)),
        ({"testing": True}, 0, 0, ("testing",)),
        ({"superusers": True}, 0, 0, ("superusers",)),
        ({"staff": True}, 0, 0, ("staff",)),
        ({"languages": "en,fr"}, 0, 0, ("languages",)),
        ({}, 1, 0, ("users",)),
        ({}, 0, 3, ("groups",)),
    )
    @ddt.unpack
    def test_each_targeting_makes_it_conditional(self, fields, users, groups, conditions):
        result = plan(stored(flag(**fields), users=users, groups=groups))
        assert (result.global_value, result.global_conditions) == ("conditional", conditions)

    def test_conditions_are_listed_in_order(self):
        everything = flag(percent="5", testing=True, superusers=True, staff=True, languages="en")
        result = plan(stored(everything, users=2, groups=2))
        assert result.global_conditions == ("percent", "testing", "superusers", "staff", "languages", "users", "groups")

    @ddt.data(None, [], [COURSE], [COURSE, OTHER_COURSE])
    def test_conditional_decision_uses_false(self, courses):
        result = plan(stored(flag(staff=True)), courses=courses)
        assert (result.decision.value, result.decision.status) == (False, "conditional")

    def test_conditional_global_is_false_for_courses_without_overrides(self):
        result = plan(stored(flag(percent="50"), orgs=[org_row(1, "MITx", "on")]), courses=[COURSE, OTHER_COURSE])
        assert result.legacy_values == {"true": 1, "false": 1, "ambiguous": 0}


# ---------------------------------------------------------------------------------------------------------------------
# The legacy value of a course
# ---------------------------------------------------------------------------------------------------------------------


@ddt.ddt
class LegacyValueTest(SimpleTestCase):
    """A course's legacy value: its course override, else its org's override, else the global value."""

    @ddt.data(
        # (course override, org override, global value, expected); None = no row, "unset" = newest disabled
        ("on", "off", False, True),
        ("off", "on", True, False),
        ("on", None, False, True),
        ("off", None, True, False),
        (None, "on", False, True),
        (None, "off", True, False),
        ("unset", "on", False, True),
        ("unset", "off", True, False),
        (None, None, True, True),
        (None, None, False, False),
        (None, None, "conditional", False),
        ("unset", "unset", True, True),
        ("unset", None, "conditional", False),
        (None, "unset", False, False),
    )
    @ddt.unpack
    def test_lookup_order(self, course_choice, org_choice, global_raw, expected):
        def rows(factory, key, choice):
            if choice is None:
                return []
            if choice == "unset":
                return [factory(2, key, "on", enabled=False)]
            return [factory(1, key, choice)]

        data = stored(
            global_flag(global_raw),
            courses=rows(course_row, COURSE, course_choice),
            orgs=rows(org_row, "edX", org_choice),
        )
        assert legacy_value(data, COURSE) is expected

    def test_other_orgs_override_does_not_apply(self):
        data = stored(global_flag(False), orgs=[org_row(1, "MITx", "on")])
        assert legacy_value(data, COURSE) is False

    def test_other_courses_override_does_not_apply(self):
        data = stored(global_flag(False), courses=[course_row(1, "course-v1:edX+DemoX+2", "on")])
        assert legacy_value(data, COURSE) is False

    def test_org_of_deprecated_key(self):
        data = stored(global_flag(False), orgs=[org_row(1, "edX", "on")])
        assert legacy_value(data, DEPRECATED_COURSE) is True

    def test_global_value_from_flag_default(self):
        assert legacy_value(stored(), COURSE) is False
        result = plan(stored(), courses=[COURSE], flag_default=True)
        assert result.legacy_values == {"true": 1, "false": 0, "ambiguous": 0}


# ---------------------------------------------------------------------------------------------------------------------
# The decision
# ---------------------------------------------------------------------------------------------------------------------


def _majority_rows():
    """Courses A/B/C with course overrides on, on, off."""
    return [
        course_row(1, "course-v1:A+X+1", "on"),
        course_row(2, "course-v1:B+X+1", "on"),
        course_row(3, "course-v1:C+X+1", "off"),
    ]


@ddt.ddt
class DecisionTest(SimpleTestCase):
    """The value the backend option should take."""

    @ddt.data(
        (["course-v1:A+X+1", "course-v1:B+X+1", "course-v1:C+X+1"], False, True),
        (["course-v1:A+X+1", "course-v1:B+X+1", "course-v1:C+X+1"], True, True),
        (["course-v1:C+X+1"], True, False),
        (["course-v1:C+X+1", "course-v1:D+X+1", "course-v1:E+X+1"], True, True),
        (["course-v1:C+X+1", "course-v1:D+X+1", "course-v1:E+X+1"], False, False),
        (["course-v1:A+X+1", "course-v1:D+X+1", "course-v1:E+X+1"], False, False),
    )
    @ddt.unpack
    def test_majority_of_known_courses(self, courses, global_raw, expected):
        result = plan(stored(global_flag(global_raw), courses=_majority_rows()), courses=courses)
        assert (result.decision.value, result.decision.source) == (expected, "majority")

    @ddt.data((True, True), (False, False), ("conditional", False))
    @ddt.unpack
    def test_tie_gives_global_value(self, global_raw, expected):
        result = plan(
            stored(global_flag(global_raw), courses=_majority_rows()), courses=["course-v1:A+X+1", "course-v1:C+X+1"]
        )
        assert (result.decision.value, result.decision.source) == (expected, "global")

    @ddt.data((True, True), (False, False), ("conditional", False))
    @ddt.unpack
    def test_no_known_courses_gives_global_value(self, global_raw, expected):
        result = plan(stored(global_flag(global_raw), courses=_majority_rows()), courses=[])
        assert (result.decision.value, result.decision.source) == (expected, "global")

    @ddt.data((True, True), (False, False), ("conditional", False), (None, False))
    @ddt.unpack
    def test_unknown_courses_gives_global_value(self, global_raw, expected):
        flag_row = None if global_raw is None else global_flag(global_raw)
        # Overrides do not vote when the courses are unknown, whatever their number.
        result = plan(stored(flag_row, courses=_majority_rows()))
        assert (result.decision.value, result.decision.source) == (expected, "global")

    def test_unknown_courses_uses_flag_default(self):
        result = plan(stored(), flag_default=True)
        assert (result.decision.value, result.decision.source) == (True, "global")

    @ddt.data(
        (True, None),
        (False, None),
        (True, ["course-v1:C+X+1"]),
        (False, ["course-v1:A+X+1", "course-v1:B+X+1"]),
        (False, []),
    )
    @ddt.unpack
    def test_operator_decision_wins(self, override, courses):
        result = plan(
            stored(global_flag(not override), courses=_majority_rows()), courses=courses, decision_override=override
        )
        assert (result.decision.value, result.decision.source) == (override, "operator")

    def test_operator_decision_wins_over_conditional_global(self):
        result = plan(stored(flag(staff=True)), courses=[COURSE], decision_override=True)
        assert (result.decision.value, result.decision.source, result.decision.status) == (
            True,
            "operator",
            "conditional",
        )

    def test_reason_is_text(self):
        for courses in (None, [COURSE]):
            assert isinstance(plan(stored(flag(staff=True)), courses=courses).decision.reason, str)


# ---------------------------------------------------------------------------------------------------------------------
# Exceptions
# ---------------------------------------------------------------------------------------------------------------------


@ddt.ddt
class ExceptionsTest(SimpleTestCase):
    """Courses (or, courses unknown, overrides) whose legacy value differs from the decision."""

    def test_known_courses_that_differ_are_exceptions(self):
        courses = ["course-v1:A+X+1", "course-v1:B+X+1", "course-v1:C+X+1", "course-v1:D+X+1"]
        result = plan(stored(global_flag(True), courses=_majority_rows()), courses=courses)
        assert result.decision.value is True
        assert exception_keys(result) == [("course", "course-v1:C+X+1", False)]

    def test_known_courses_follow_org_overrides(self):
        data = stored(orgs=[org_row(1, "MITx", "on")])
        result = plan(data, courses=[COURSE, "course-v1:edX+DemoX+2", OTHER_COURSE])
        assert exception_keys(result) == [("course", OTHER_COURSE, True)]

    def test_known_courses_against_operator_decision(self):
        result = plan(stored(), courses=[COURSE, OTHER_COURSE], decision_override=True)
        assert exception_keys(result) == [("course", COURSE, False), ("course", OTHER_COURSE, False)]

    def test_overrides_of_unknown_courses_are_not_exceptions_when_courses_known(self):
        data = stored(courses=[course_row(1, OTHER_COURSE, "on")], orgs=[org_row(2, "Zx", "on")])
        assert not plan(data, courses=[COURSE]).exceptions

    def test_unknown_courses_effective_overrides_that_differ(self):
        data = stored(
            global_flag(False),
            courses=[
                course_row(1, COURSE, "on"),
                course_row(2, OTHER_COURSE, "off"),
                course_row(4, "course-v1:edX+DemoX+2", "on", enabled=False),
            ],
            orgs=[org_row(5, "edX", "on"), org_row(6, "MITx", "off")],
        )
        assert exception_keys(plan(data)) == [("course", COURSE, True), ("org", "edX", True)]

    def test_unknown_courses_against_operator_decision(self):
        data = stored(global_flag(True), courses=[course_row(1, COURSE, "on")], orgs=[org_row(2, "MITx", "off")])
        result = plan(data, decision_override=False)
        assert exception_keys(result) == [("course", COURSE, True)]

    def test_sorted_by_scope_then_key_case_insensitively(self):
        data = stored(
            courses=[
                course_row(1, "course-v1:b+X+1", "on"),
                course_row(2, "course-v1:A+X+1", "on"),
                course_row(3, "course-v1:C+X+1", "on"),
            ],
            orgs=[org_row(4, "zeta", "on"), org_row(5, "Beta", "on"), org_row(6, "alpha", "on")],
        )
        assert [(item.scope, item.key) for item in plan(data).exceptions] == [
            ("course", "course-v1:A+X+1"),
            ("course", "course-v1:b+X+1"),
            ("course", "course-v1:C+X+1"),
            ("org", "alpha"),
            ("org", "Beta"),
            ("org", "zeta"),
        ]

    def test_known_courses_sorted_case_insensitively_then_exactly(self):
        courses = ["course-v1:b+X+1", "course-v1:B+X+1", "course-v1:a+X+1", "course-v1:C+X+1"]
        result = plan(stored(), courses=courses, decision_override=True)
        assert [item.key for item in result.exceptions] == [
            "course-v1:a+X+1",
            "course-v1:B+X+1",
            "course-v1:b+X+1",
            "course-v1:C+X+1",
        ]


# ---------------------------------------------------------------------------------------------------------------------
# Status, counts and escalation email
# ---------------------------------------------------------------------------------------------------------------------


@ddt.ddt
class StatusTest(SimpleTestCase):
    """conditional, else lossy, else absent, else uniform."""

    @ddt.data(
        # (flag row, course rows, org rows, known courses, expected status)
        (flag(staff=True), [], [], None, "conditional"),
        (flag(), [course_row(1, COURSE, "off")], [], None, "uniform"),
        (flag(staff=True), [course_row(1, COURSE, "on")], [], None, "conditional"),
        (flag(staff=True), [course_row(1, COURSE, "on")], [], [COURSE, OTHER_COURSE], "conditional"),
        (None, [], [], None, "absent"),
        (None, [], [], [COURSE], "absent"),
        (None, [course_row(1, COURSE, "on", enabled=False)], [], None, "absent"),
        (None, [], [org_row(2, "edX", "off", enabled=False)], [COURSE], "absent"),
        (None, [course_row(1, COURSE, "on")], [], None, "lossy"),
        (None, [], [org_row(1, "edX", "on")], [COURSE, OTHER_COURSE], "lossy"),
        (flag(everyone=True), [], [org_row(1, "edX", "off")], None, "lossy"),
        (flag(everyone=True), [], [], None, "uniform"),
        (flag(), [], [], [COURSE], "uniform"),
        (None, [course_row(1, COURSE, "off")], [], None, "uniform"),
        (None, [course_row(1, COURSE, "on")], [], [COURSE], "uniform"),
        (flag(everyone=True), [], [org_row(1, "edX", "off")], [OTHER_COURSE], "uniform"),
    )
    @ddt.unpack
    def test_status(self, flag_row, course_rows, org_rows, courses, expected):
        result = plan(stored(flag_row, courses=course_rows, orgs=org_rows), courses=courses)
        assert result.decision.status == expected

    def test_users_alone_make_it_conditional(self):
        assert plan(stored(flag(), users=1)).decision.status == "conditional"

    def test_operator_decision_can_make_it_lossy(self):
        result = plan(stored(flag(everyone=True)), courses=[COURSE], decision_override=False)
        assert result.decision.status == "lossy"


@ddt.ddt
class CountsTest(SimpleTestCase):
    """known_courses and legacy_values."""

    def test_unknown_courses(self):
        result = plan(stored(courses=_majority_rows()))
        assert (result.known_courses, result.legacy_values) == (None, {"true": 0, "false": 0, "ambiguous": 0})

    @ddt.data(
        ([], 0, {"true": 0, "false": 0, "ambiguous": 0}),
        (["course-v1:A+X+1"], 1, {"true": 1, "false": 0, "ambiguous": 0}),
        (["course-v1:A+X+1", "course-v1:C+X+1", "course-v1:D+X+1"], 3, {"true": 1, "false": 2, "ambiguous": 0}),
        (["course-v1:A+X+1", "not a key", "course-v1:B+X+1"], 2, {"true": 2, "false": 0, "ambiguous": 0}),
        ([DEPRECATED_COURSE, "course-v1:C+X+1"], 2, {"true": 0, "false": 2, "ambiguous": 0}),
    )
    @ddt.unpack
    def test_known_courses(self, courses, count, values):
        result = plan(stored(courses=_majority_rows()), courses=courses)
        assert (result.known_courses, result.legacy_values) == (count, values)

    def test_invalid_known_course_does_not_crash(self):
        result = plan(stored(courses=_majority_rows()), courses=["", "lib:edX:lib1"])
        assert (result.known_courses, result.decision.source) == (0, "global")


def test_every_companion_lists_courses_by_a_field_of_the_known_courses():
    fields = {field.name for field in dataclasses.fields(KnownCourse)}
    companions = [companion for retirement in declared() for companion in retirement.companions]
    assert [companion.course_field for companion in companions if companion.course_field not in fields] == []


def escalation_entry(built):
    """The plan's entry for the escalation-email companion rule of show_review_rules."""
    return json_data(built)["escalation_email"]


@ddt.ddt
class EscalationEmailTest(SimpleTestCase):
    """Legacy backends required an escalation email: the decision is always True."""

    @ddt.data(None, [], [COURSE])
    def test_decision_is_true(self, courses):
        assert escalation_entry(plan(stored(flag(everyone=False)), courses=courses))["decision"] is True

    def test_missing_is_none_when_courses_unknown(self):
        assert escalation_entry(plan(stored())) == {"decision": True, "missing": None}

    def test_missing_lists_blank_emails_sorted(self):
        courses = [
            course("course-v1:Z+X+1", ""),
            course("course-v1:A+X+1", "ops@example.com"),
            course("course-v1:M+X+1", "   "),
            course("course-v1:B+X+1", "\t"),
        ]
        assert escalation_entry(plan(stored(), courses=courses)) == {
            "decision": True,
            "missing": ["course-v1:B+X+1", "course-v1:M+X+1", "course-v1:Z+X+1"],
        }

    def test_missing_is_empty_when_all_have_one(self):
        assert escalation_entry(plan(stored(), courses=[COURSE]))["missing"] == []


# ---------------------------------------------------------------------------------------------------------------------
# Effective settings, agreement and snippet
# ---------------------------------------------------------------------------------------------------------------------


def _not_configured():
    return {
        "requires_escalation_email": EffectiveValue(None, "not-configured"),
        "show_review_rules": EffectiveValue(None, "not-configured"),
    }


@ddt.ddt
class SettingsTest(SimpleTestCase):
    """The effective options of the legacy backends against the decision."""

    def test_no_shim_result_is_not_configured(self):
        result = plan(stored())
        assert result.effective_setting == {"proctortrack": _not_configured()}
        assert (result.agrees, result.snippet) == (True, {})

    def test_backend_missing_from_setting_is_not_configured(self):
        result = plan(stored(), shim_result=shim({"null": {}, "mockprock": {"show_review_rules": True}}))
        assert result.effective_setting == {"proctortrack": _not_configured()}
        assert (result.agrees, result.snippet) == (True, {})

    def test_every_legacy_backend_is_reported(self):
        result = plan(stored(), backends=("proctortrack", "verificient"), shim_result=shim({"proctortrack": {}}))
        assert list(result.effective_setting) == ["proctortrack", "verificient"]
        assert result.effective_setting["verificient"] == _not_configured()

    @ddt.data(
        (
            {"show_review_rules": False, "requires_escalation_email": True},
            LEGACY,
            (False, "explicit", True, "explicit"),
        ),
        ({"show_review_rules": "yes", "requires_escalation_email": 1}, LEGACY, (True, "coerced", True, "coerced")),
        (
            {"SHOW_REVIEW_RULES": False, "REQUIRES_ESCALATION_EMAIL": False},
            LEGACY,
            (False, "legacy-spelling", False, "legacy-spelling"),
        ),
        ({}, LEGACY, (False, "legacy-rule", True, "legacy-rule")),
        ({}, (), (True, "default", False, "default")),
    )
    @ddt.unpack
    def test_effective_setting_from_shim(self, entry, shim_legacy, expected):
        result = plan(stored(), shim_result=shim({"proctortrack": entry}, shim_legacy))
        show, escalation = (
            result.effective_setting["proctortrack"]["show_review_rules"],
            result.effective_setting["proctortrack"]["requires_escalation_email"],
        )
        assert (show.value, show.source, escalation.value, escalation.source) == expected

    @ddt.data(
        # (proctortrack entry, shim legacy backends, decision, agrees)
        ({"show_review_rules": False, "requires_escalation_email": True}, LEGACY, False, True),
        ({"show_review_rules": True, "requires_escalation_email": True}, LEGACY, True, True),
        ({"show_review_rules": True, "requires_escalation_email": True}, LEGACY, False, False),
        ({"show_review_rules": False, "requires_escalation_email": False}, LEGACY, False, False),
        ({}, LEGACY, False, True),
        ({}, LEGACY, True, False),
        ({}, (), True, False),
        ({"requires_escalation_email": True}, (), True, True),
        ({"SHOW_REVIEW_RULES": "off", "requires_escalation_email": "on"}, (), False, True),
    )
    @ddt.unpack
    def test_agrees(self, entry, shim_legacy, decision, agrees):
        result = plan(stored(), shim_result=shim({"proctortrack": entry}, shim_legacy), decision_override=decision)
        assert result.agrees is agrees

    def test_unconfigured_legacy_backend_is_ignored_by_agrees(self):
        config = {"proctortrack": {"show_review_rules": False, "requires_escalation_email": True}}
        result = plan(stored(), backends=("proctortrack", "verificient"), shim_result=shim(config))
        assert result.agrees is True

    def test_disagreeing_second_legacy_backend(self):
        config = {
            "proctortrack": {"show_review_rules": False, "requires_escalation_email": True},
            "verificient": {"show_review_rules": True, "requires_escalation_email": True},
        }
        result = plan(stored(), backends=("proctortrack", "verificient"), shim_result=shim(config))
        assert result.agrees is False

    def test_other_backends_do_not_affect_agrees(self):
        config = {
            "proctortrack": {"show_review_rules": False, "requires_escalation_email": True},
            "mockprock": {"show_review_rules": True, "requires_escalation_email": False},
        }
        assert plan(stored(), shim_result=shim(config)).agrees is True

    @ddt.data(
        # (proctortrack entry, shim legacy backends, decision, snippet)
        ({"show_review_rules": False, "requires_escalation_email": True}, LEGACY, False, {}),
        ({"show_review_rules": "0", "requires_escalation_email": "true"}, LEGACY, False, {}),
        ({"SHOW_REVIEW_RULES": True, "REQUIRES_ESCALATION_EMAIL": True}, LEGACY, True, {}),
        (
            {"show_review_rules": True, "requires_escalation_email": True},
            LEGACY,
            False,
            {"proctortrack": {"show_review_rules": False}},
        ),
        (
            {"show_review_rules": False, "requires_escalation_email": False},
            LEGACY,
            False,
            {"proctortrack": {"requires_escalation_email": True}},
        ),
        ({}, LEGACY, False, {"proctortrack": {"requires_escalation_email": True, "show_review_rules": False}}),
        ({}, LEGACY, True, {"proctortrack": {"requires_escalation_email": True, "show_review_rules": True}}),
        ({}, (), True, {"proctortrack": {"requires_escalation_email": True, "show_review_rules": True}}),
        ({"requires_escalation_email": True}, LEGACY, False, {"proctortrack": {"show_review_rules": False}}),
        ({"show_review_rules": True}, (), True, {"proctortrack": {"requires_escalation_email": True}}),
    )
    @ddt.unpack
    def test_snippet(self, entry, shim_legacy, decision, snippet):
        result = plan(stored(), shim_result=shim({"proctortrack": entry}, shim_legacy), decision_override=decision)
        assert result.snippet == snippet

    def test_snippet_is_sorted_and_skips_unconfigured_and_other_backends(self):
        config = {"zeta": {}, "alpha": {}, "mockprock": {}}
        result = plan(stored(), backends=("zeta", "missing", "alpha"), shim_result=shim(config, ("zeta", "alpha")))
        assert result.snippet == {
            "alpha": {"requires_escalation_email": True, "show_review_rules": False},
            "zeta": {"requires_escalation_email": True, "show_review_rules": False},
        }
        assert list(result.snippet) == ["alpha", "zeta"]
        assert list(result.snippet["alpha"]) == ["requires_escalation_email", "show_review_rules"]

    def test_snippet_and_effective_setting_follow_the_decision(self):
        data = stored(courses=[course_row(1, COURSE, "on"), course_row(2, OTHER_COURSE, "on")])
        result = plan(data, courses=[COURSE, OTHER_COURSE], shim_result=shim({"proctortrack": {}}))
        assert result.decision.value is True
        assert result.snippet == {"proctortrack": {"requires_escalation_email": True, "show_review_rules": True}}

    def test_secrets_never_appear(self):
        config = {
            "proctortrack": {"client_id": "id", "client_secret": SECRET, "show_review_rules": True},
            "mockprock": {"client_secret": SECRET},
        }
        result = plan(stored(flag(staff=True)), courses=[COURSE], shim_result=shim(config))
        dumped = json.dumps(json_data(result))
        assert SECRET not in dumped
        assert "client_secret" not in dumped
        assert "client_id" not in dumped
        assert set(result.snippet["proctortrack"]) <= {"show_review_rules", "requires_escalation_email"}


# ---------------------------------------------------------------------------------------------------------------------
# The JSON form (plan.json_data)
# ---------------------------------------------------------------------------------------------------------------------


def _busy_rows():
    return stored(
        flag(percent="20", languages="en"),
        courses=[
            course_row(1, COURSE, "on"),
            course_row(2, "course-v1:EDX+DEMOX+1", "off"),
            course_row(4, OTHER_COURSE, "off", enabled=False),
            course_row(7, "course-v1:B+X+1", "on"),
        ],
        orgs=[org_row(8, "MITx", "on"), org_row(9, "mitx", "off"), org_row(10, "edX", "off")],
        invalid=[
            InvalidRow(COURSE_OVERRIDES, "5", "course id 'not a key' does not parse as a course key"),
            InvalidRow(COURSE_OVERRIDES, "6", "course id '' does not parse as a course key"),
        ],
        ties=[Tie(COURSE_OVERRIDES, COURSE, (1, 3), 1)],
        users=2,
        groups=1,
    )


def _shuffled(data, seed):
    """The same legacy state with every sequence in another order."""
    rng = random.Random(seed)

    def shuffled(items):
        items = list(items)
        rng.shuffle(items)
        return tuple(items)

    return LegacyState(
        **{
            **data.__dict__,
            "course_overrides": shuffled(data.course_overrides),
            "org_overrides": shuffled(data.org_overrides),
            "invalid_rows": shuffled(data.invalid_rows),
            "courses": None if data.courses is None else shuffled(data.courses),
        }
    )


@ddt.ddt
class AsDictTest(SimpleTestCase):
    """The Plan's JSON form is JSON-ready and does not depend on row order."""

    @ddt.data(None, [COURSE, OTHER_COURSE, "not a key", DEPRECATED_COURSE])
    def test_json_serialisable(self, courses):
        result = plan(_busy_rows(), courses=courses, shim_result=shim({"proctortrack": {}, "mockprock": {}}))
        data = json_data(result)
        assert json.loads(json.dumps(data)) == data

    def test_shape(self):
        data = json_data(plan(_busy_rows(), courses=[COURSE]))
        assert data["toggle"] == TOGGLE
        assert data["option"] == "show_review_rules"
        assert data["backends"] == ["proctortrack"]
        assert data["global_value"] == "conditional"
        assert data["global_conditions"] == ["percent", "languages", "users", "groups"]
        assert set(data["decision"]) == {"value", "status", "reason", "source"}
        assert data["invalid_rows"] == [
            {"table": COURSE_OVERRIDES, "id": "5", "reason": data["invalid_rows"][0]["reason"]},
            {"table": COURSE_OVERRIDES, "id": "6", "reason": data["invalid_rows"][1]["reason"]},
        ]

    def test_each_effective_option_is_its_value_and_source(self):
        data = json_data(plan(stored(), shim_result=shim({"proctortrack": {"show_review_rules": False}}, ())))
        assert data["effective_setting"] == {
            "proctortrack": {
                "requires_escalation_email": {"value": False, "source": "default"},
                "show_review_rules": {"value": False, "source": "explicit"},
            }
        }
        assert json_data(plan(stored()))["effective_setting"] == {
            "proctortrack": {
                "requires_escalation_email": {"value": None, "source": "not-configured"},
                "show_review_rules": {"value": None, "source": "not-configured"},
            }
        }

    @ddt.data(
        (None, None),
        ([COURSE, OTHER_COURSE, "course-v1:B+X+1", "course-v1:edX+Z+1"], None),
        (None, True),
        ([COURSE, OTHER_COURSE], False),
    )
    @ddt.unpack
    def test_row_order_does_not_matter(self, courses, override):
        kwargs = {"courses": courses, "decision_override": override, "shim_result": shim({"proctortrack": {}})}
        expected = json_data(plan(_busy_rows(), **kwargs))
        for seed in range(5):
            shuffled_courses = None if courses is None else random.Random(seed).sample(courses, len(courses))
            assert json_data(plan(_shuffled(_busy_rows(), seed), **{**kwargs, "courses": shuffled_courses})) == expected

    def test_unknown_courses_exceptions_are_order_independent(self):
        data = stored(
            courses=[course_row(2, "course-v1:b+X+1", "on"), course_row(1, "course-v1:A+X+1", "on")],
            orgs=[org_row(3, "Zx", "on"), org_row(4, "ax", "on")],
        )
        expected = json_data(plan(data))
        assert json_data(plan(_shuffled(data, 1))) == expected
        assert [item["key"] for item in expected["exceptions"]] == ["course-v1:A+X+1", "course-v1:b+X+1", "ax", "Zx"]


# ---------------------------------------------------------------------------------------------------------------------
# Consequences: what changes if the operator does nothing, and with the decision
# ---------------------------------------------------------------------------------------------------------------------

THREE = ("course-v1:edX+A+1", "course-v1:edX+B+1", "course-v1:edX+C+1")


@ddt.ddt
class ConsequencesTest(SimpleTestCase):
    """The plan names the known courses that change behaviour, for the running settings and for the decision."""

    def _plan(self, backends, **kwargs):
        # Two of three courses saw True (course overrides), one saw the global False.
        legacy = state(global_flag(False), courses=[(THREE[0], True), (THREE[1], True)])
        normalised = None if backends is None else normalise_proctoring_backends(backends)
        return plan(legacy, courses=THREE, shim_result=normalised, **kwargs)

    @ddt.data(
        # Unset on the legacy backend: the shim keeps the legacy value False, so the two True courses change.
        ({"DEFAULT": "proctortrack", "proctortrack": {}}, {"proctortrack": False}, [THREE[0], THREE[1]]),
        ({"DEFAULT": "proctortrack", "proctortrack": {"show_review_rules": True}}, {"proctortrack": True}, [THREE[2]]),
        # No entry for the provider: upstream's default, True.
        ({"DEFAULT": "null", "null": {}}, {"proctortrack": True}, [THREE[2]]),
        (None, {"proctortrack": True}, [THREE[2]]),
    )
    @ddt.unpack
    def test_if_the_operator_does_nothing(self, backends, values, changed):
        current = self._plan(backends).consequences.current_settings
        assert current == CurrentSettings(values=values, changed=len(changed), courses=tuple(changed))

    def test_with_the_decision_the_changed_courses_are_the_exceptions(self):
        result = self._plan(None)
        assert result.consequences.decision == DecidedChange(value=True, changed=1, courses=(THREE[2],))
        assert [item.key for item in result.exceptions] == [THREE[2]]

    def test_with_an_operator_decision(self):
        decided = self._plan(None, decision_override=False).consequences.decision
        assert decided == DecidedChange(value=False, changed=2, courses=(THREE[0], THREE[1]))

    def test_each_course_reads_its_own_provider(self):
        legacy = state(global_flag(False))
        known = [course(THREE[0], provider="proctortrack"), course(THREE[1], provider="ptv2")]
        backends = {"DEFAULT": "proctortrack", "proctortrack": {}, "ptv2": {"show_review_rules": True}}
        normalised = normalise_proctoring_backends(backends, ("proctortrack", "ptv2"))
        result = json_data(plan(legacy, courses=known, backends=("proctortrack", "ptv2"), shim_result=normalised))
        assert result["consequences"]["current_settings"] == {
            "values": {"proctortrack": False, "ptv2": True},
            "changed": 1,
            "courses": [THREE[1]],
        }

    def test_unknown_courses(self):
        result = json_data(plan(state(global_flag(False), courses=[(THREE[0], True)])))
        assert result["consequences"] == {
            "current_settings": {"values": {}, "changed": None, "courses": None},
            "decision": {"value": False, "changed": None, "courses": None},
            "ambiguous": None,
        }

    def test_text_says_what_happens_if_nothing_is_done(self):
        from toggles_migration.management.plan_text import plan_text  # pylint: disable=import-outside-toplevel

        text = plan_text(self._plan({"DEFAULT": "proctortrack", "proctortrack": {}}))
        assert (
            "If you do nothing (proctortrack: show_review_rules=False): 2 of 3 known courses change behaviour:\n"
            f"  {THREE[0]}\n  {THREE[1]}\n"
            "With the decision (show_review_rules=True): 1 change behaviour (the exceptions above)."
        ) in text


@ddt.ddt
class SecondPassTest(SimpleTestCase):
    """Exceptions too many to keep in the first pass are found by a second one: the same plan."""

    @ddt.data(None, True, False)
    def test_same_plan_with_nothing_kept(self, override):
        courses = [*ALL_FOUR, COURSE, "not a key"]
        data = _with_ambiguous_course(global_raw=True)
        expected = json_data(plan(data, courses=courses, decision_override=override))
        with mock.patch.object(plan_module, "_KEPT", 0):
            assert json_data(plan(data, courses=courses, decision_override=override)) == expected
        assert expected["exceptions"]
