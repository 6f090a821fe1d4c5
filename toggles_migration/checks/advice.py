"""One answer everywhere: once a decision is captured, every hint that proposes a value for its option gives it."""

from collections.abc import Iterable, Mapping
from dataclasses import replace

from django.apps import apps
from django.db import DEFAULT_DB_ALIAS

from ..retirements import retirement_of_option
from .notices import LEGACY_RULE_APPLIED, Notice, legacy_rule_hint


def captured_decisions(using: str = DEFAULT_DB_ALIAS) -> dict[str, bool]:
    """Return {toggle: captured decision} from the database, or {} when nothing is captured or readable yet."""
    try:
        model = apps.get_model("toggles_migration", "Capture")
        return dict(model.objects.using(using).values_list("toggle", "decision_value"))
    # Hints must never fail: the tables may not exist yet, or the database may be out of reach.
    except Exception:  # noqa: BLE001  pylint: disable=broad-exception-caught
        return {}


def advise(notices: Iterable[Notice], decisions: Mapping[str, bool]) -> tuple[Notice, ...]:
    """Return ``notices`` with each W004 hint on a retired toggle's option giving its captured decision."""
    advised = []
    for notice in notices:
        retirement = retirement_of_option(notice.option) if notice.check_id == LEGACY_RULE_APPLIED else None
        if retirement is None or retirement.name not in decisions:
            advised.append(notice)
            continue
        value = decisions[retirement.name]
        hint = legacy_rule_hint(notice.backend, notice.option, value, captured_for=retirement.name)
        advised.append(replace(notice, hint=hint))
    return tuple(advised)
