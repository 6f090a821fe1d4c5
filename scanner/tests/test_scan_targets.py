"""What the scanner looks for comes from its copy of the declarations, plus --name."""

import pytest
from toggles_migration_scan import TargetKind, declared_targets
from toggles_migration_scan.declarations import LEGACY_BACKENDS, RETIRED_TOGGLES
from toggles_migration_scan.reading import NameMatcher


def test_targets_are_the_declared_backends_toggles_and_constants():
    expected = [*LEGACY_BACKENDS]
    for retirement in RETIRED_TOGGLES:
        expected += [retirement.name, retirement.constant]
    assert [target.name for target in declared_targets()] == expected


def test_extra_names_follow_the_declared_ones():
    assert declared_targets(("software_secure",))[-1].kind is TargetKind.EXTRA_NAME


def test_an_extra_name_differing_only_in_case_from_a_declared_one_is_dropped():
    assert len(declared_targets((LEGACY_BACKENDS[0].upper(),))) == len(declared_targets())


def test_retired_toggle_targets_know_their_retirement():
    retired = [target for target in declared_targets() if target.is_retired_toggle]
    assert {target.retirement for target in retired} == set(RETIRED_TOGGLES)


def test_longer_names_win_over_names_they_contain():
    matcher = NameMatcher(declared_targets(("studio",)))
    assert matcher.text_pattern.search("x = 'studio.show_review_rules'").group() == "studio.show_review_rules"


@pytest.mark.parametrize(
    "text",
    [
        "a proctortrack b PROCTORTRACK studio.show_review_rules SHOW_REVIEW_RULES_FLAG_X",
        "İstanbul proctortrack studio.studio.show_review_rules",
        "studio.show_review_rules_flag proctortrackproctortrack",
    ],
)
def test_fast_search_finds_what_the_regex_finds(text):
    matcher = NameMatcher(declared_targets(("studio",)))
    assert matcher.spans(text) == [match.span() for match in matcher.text_pattern.finditer(text)]


def test_non_ascii_names_search_the_decoded_text():
    matcher = NameMatcher(declared_targets(("ProctorÜ",)))
    assert (matcher.lowered_names, matcher.may_match(b"anything")) == (None, True)


def test_empty_names_are_refused():
    with pytest.raises(ValueError, match="non-empty"):
        NameMatcher(declared_targets(("",)))
