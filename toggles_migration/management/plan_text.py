"""The text of a Plan and of its snippet: what migration 0002, ``plan`` and the refusals print."""

import json
import shlex
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import yaml

from ..plan import EffectiveSetting, Plan, Snippet
from ..retirements import get_retirement

# The Tutor plugin's config key for the per-backend options (tutor/tutortoggles_migration/config).
TUTOR_KEY = "TOGGLES_MIGRATION_BACKEND_OPTIONS"
# {backend: {option: value}} that the Tutor key holds already, as settings.config.tutor_backend_options reads it.
TutorOptions = Mapping[str, Mapping[str, Any]]
NO_TUTOR: TutorOptions = MappingProxyType({})


def quoted(name: str) -> str:
    """
    Return ``name`` as a double-quoted ASCII literal that Python reads back as the same string.

    Escapes backslash, double quote, and anything else than printable ASCII as x, u or U and hex digits.
    """
    parts = ['"']
    for char in name:
        code = ord(char)
        if char in '"\\':
            parts.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            parts.append(char)
        elif code <= 0xFF:
            parts.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            parts.append(f"\\u{code:04x}")
        else:
            parts.append(f"\\U{code:08x}")
    parts.append('"')
    return "".join(parts)


def snippet_lines(snippet: Snippet | None, tutor: TutorOptions = NO_TUTOR) -> list[str]:
    """Return the snippet as lines to merge into each backend's entry, in Python, in YAML and with Tutor."""
    if not snippet:
        return []
    lines = ["Merge into PROCTORING_BACKENDS (Python settings):"]
    for backend, options in snippet.items():
        pairs = ", ".join(f"{quoted(name)}: {value}" for name, value in options.items())
        lines.append(f"    {quoted(backend)}: {{..., {pairs}}},")
    lines.append("or in YAML (LMS and CMS config; Tutor: a patch of your plugin):")
    # PyYAML quotes what it would read back as something else; Tutor and edx-platform read YAML with PyYAML.
    yaml_text = yaml.safe_dump({"PROCTORING_BACKENDS": snippet}, sort_keys=False)
    lines.extend(f"    {line}" for line in yaml_text.splitlines())
    lines.append("or with Tutor's toggles-migration plugin (--set replaces the key; this value keeps what it holds):")
    lines.append(f"    {tutor_line(snippet, tutor)}")
    return lines


def tutor_line(snippet: Snippet, tutor: TutorOptions = NO_TUTOR) -> str:
    """Return the ``tutor config save --set`` line that sets the snippet's options, keeping ``tutor``'s other ones."""
    value = {backend: dict(options) for backend, options in tutor.items()}
    for backend, options in snippet.items():
        value.setdefault(backend, {}).update(options)
    return "tutor config save --set " + shlex.quote(f"{TUTOR_KEY}={json.dumps(value, sort_keys=True)}")


def effective_lines(effective_setting: EffectiveSetting) -> list[str]:
    """Return one line per legacy backend: each managed option's effective value and its source."""
    return [
        "  {}: {}".format(backend, ", ".join(f"{name}={item.value} ({item.source})" for name, item in options.items()))
        for backend, options in effective_setting.items()
    ]


def plan_text(plan: Plan, tutor: TutorOptions = NO_TUTOR) -> str:
    """Text form of a Plan."""
    decision = plan.decision
    known = plan.known_courses
    lines = [
        f"Retired toggle:   {plan.toggle} -> PROCTORING_BACKENDS[<backend>][{plan.option!r}]",
        f"Legacy backends:  {', '.join(plan.backends) or '(none)'}",
        f"Global flag:      {plan.global_value}"
        + (f" (only for: {', '.join(plan.global_conditions)})" if plan.global_conditions else ""),
        "Known courses:    "
        + (
            "unknown (course_overviews not installed)"
            if known is None
            else f"{known} ({plan.legacy_values['true']} saw True, {plan.legacy_values['false']} saw False"
            + (f", {plan.legacy_values['ambiguous']} ambiguous)" if plan.legacy_values.get("ambiguous") else ")")
        ),
        f"Decision:         {plan.option} = {decision.value}  [{decision.status}, from {decision.source}]",
        f"                  {decision.reason}",
    ]
    if plan.exceptions:
        lines.append(f"Exceptions ({len(plan.exceptions)}): cannot keep their legacy value")
        lines.extend(f"  {item.scope:<6} {item.key}  legacy {item.legacy_value}" for item in plan.exceptions)
    if plan.ambiguous:
        lines.append(
            f"Ambiguous ties ({len(plan.ambiguous)}): newest rows share their change_date and disagree, so upstream "
            "answered either way; not counted (--value or DECISIONS settles them)"
        )
        lines.extend(
            f"  {tie.table} {tie.key}  rows {', '.join(map(str, tie.tied_ids))}: "
            + ", ".join("unset" if value is None else str(value) for value in tie.values)
            for tie in plan.ambiguous
        )
    if plan.invalid_rows:
        lines.append(f"Invalid rows ({len(plan.invalid_rows)}): reported, never evaluated")
        lines.extend(f"  {item.table} #{item.id}: {item.reason}" for item in plan.invalid_rows)
    headings = {companion.plan_key: companion.missing_heading for companion in get_retirement(plan.toggle).companions}
    for check in plan.companions:
        if check.missing:
            lines.append(headings[check.plan_key].format(count=len(check.missing)))
            lines.extend(f"  {course_id}" for course_id in check.missing)
    lines.extend(consequence_lines(plan))
    lines.append("Effective settings:")
    lines.extend(effective_lines(plan.effective_setting))
    lines.append("Settings agree with the decision." if plan.agrees else "Settings DISAGREE with the decision.")
    lines.extend(snippet_lines(plan.snippet, tutor))
    return "\n".join(lines)


def consequence_lines(plan: Plan) -> list[str]:
    """Tell what happens to the known courses if the operator does nothing, and with the decided value."""
    current, decided = plan.consequences.current_settings, plan.consequences.decision
    option = plan.option
    if current.changed is None or current.courses is None:
        return ["If you do nothing: unknown (course_overviews not installed); the exceptions above are the overrides."]
    values = ", ".join(f"{backend}: {option}={value}" for backend, value in current.values.items())
    lines = [
        f"If you do nothing ({values or 'no known course'}): {current.changed} of {plan.known_courses} "
        "known courses change behaviour" + (":" if current.courses else ".")
    ]
    lines.extend(f"  {course_id}" for course_id in current.courses)
    lines.append(
        f"With the decision ({option}={decided.value}): {decided.changed} change behaviour"
        + (" (the exceptions above)." if decided.changed else ".")
    )
    if plan.consequences.ambiguous:
        lines.append(
            f"Ambiguous ({len(plan.consequences.ambiguous)}): their legacy value was either, as their tied overrides "
            f"disagree; they take the running value if you do nothing, {option}={decided.value} with the decision:"
        )
        lines.extend(f"  {course_id}" for course_id in plan.consequences.ambiguous)
    return lines


def migration_summary(plan: Plan, tutor: TutorOptions = NO_TUTOR) -> str:
    """Return the short summary that migration 0002 (and ``capture``) prints."""
    decision = plan.decision
    lines = [
        "",
        f"  toggles_migration: captured {plan.toggle}: decision {plan.option} = {decision.value} "
        f"({decision.status}; {len(plan.exceptions)} exceptions).",
        f"  {decision.reason}",
    ]
    if not plan.agrees:
        lines.append("  The effective settings disagree with it.")
    lines.extend(f"  {line}" for line in snippet_lines(plan.snippet, tutor))
    lines.append("  Review with: manage.py retire_toggle plan; check with: manage.py retire_toggle verify")
    return "\n".join(lines) + "\n"


def strict_failure(plan: Plan, tutor: TutorOptions = NO_TUTOR) -> str:
    """Return the error of a STRICT migration whose settings disagree with the decision."""
    return "\n".join(
        [
            f"TOGGLES_MIGRATION['STRICT'] is on and PROCTORING_BACKENDS disagrees with the decision for "
            f"{plan.toggle} ({plan.option} = {plan.decision.value}).",
            *snippet_lines(plan.snippet, tutor),
            "Then run migrate again, or set TOGGLES_MIGRATION['DECISIONS'] to choose another value.",
        ]
    )


def refusal(message: str, snippet: Snippet, tutor: TutorOptions = NO_TUTOR) -> str:
    """Return a prune's refusal while the settings disagree: the reason, then the snippet that fixes them."""
    return "\n".join([message, *snippet_lines(snippet, tutor)])
