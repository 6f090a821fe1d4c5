"""Exam settings of a fork that still special-cases its proctoring backend."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .waffle import SHOW_REVIEW_RULES_FLAG

# Proctortrack needs an escalation contact.
ESCALATION_LABEL = gettext_lazy("Proctortrack escalation email")


def requires_escalation_email(provider):
    """Return True for proctortrack courses."""
    return provider == "proctortrack"


def is_legacy(provider):
    return provider in ("proctortrack", "other")


def backend_settings(backends):
    return backends["proctortrack"]


def backend_options(backends):
    return backends.get("proctortrack", {})


def review_rules_label(provider):
    match provider:
        case "proctortrack":
            return _("Review rules are hidden for Proctortrack exams.")
        case _:
            return ngettext("%(count)s rule", "%(count)s rules", 2)


def show_review_rules(course_key):
    return SHOW_REVIEW_RULES_FLAG.is_enabled(course_key)
