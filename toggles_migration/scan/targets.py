"""The names a scan looks for, taken from the retirement declarations, and the one regex that finds them."""

import re
from dataclasses import dataclass
from enum import StrEnum

from toggles_migration.retirements import DEFAULT_LEGACY_BACKENDS, RETIREMENTS


class TargetKind(StrEnum):
    """Why a name is searched for; suggestions and severities depend on it."""

    LEGACY_BACKEND = "legacy-backend"
    RETIRED_TOGGLE = "retired-toggle"
    RETIRED_CONSTANT = "retired-constant"
    EXTRA_NAME = "extra-name"


@dataclass(frozen=True)
class Target:
    """A searched name and, for retired toggles, the retirement that declares it."""

    name: str
    kind: TargetKind
    retirement: object = None

    @property
    def is_retired_toggle(self):
        """Return whether the name is a retired toggle's name or its Python constant."""
        return self.kind in (TargetKind.RETIRED_TOGGLE, TargetKind.RETIRED_CONSTANT)


def declared_targets(extra_names=()):
    """Return the legacy backends, the retired toggles and their constants, then ``extra_names``, deduplicated."""
    targets = [Target(name, TargetKind.LEGACY_BACKEND) for name in DEFAULT_LEGACY_BACKENDS]
    for retirement in RETIREMENTS:
        targets.append(Target(retirement.name, TargetKind.RETIRED_TOGGLE, retirement))
        targets.append(Target(retirement.constant, TargetKind.RETIRED_CONSTANT, retirement))
    targets.extend(Target(name, TargetKind.EXTRA_NAME) for name in extra_names)
    unique = {}
    for target in targets:
        # Matching ignores case, so names differing only in case are one name; the declaration wins.
        unique.setdefault(target.name.lower(), target)
    return tuple(unique.values())


class NameMatcher:
    """Finds every name: a cheap per-file prefilter on raw bytes, then one case-insensitive regex on the text."""

    def __init__(self, targets):
        if not targets or any(not target.name for target in targets):
            raise ValueError("every searched name must be a non-empty string")
        self.targets = tuple(targets)
        # Longest first, so a name that contains another is reported as itself.
        ordered = sorted(self.targets, key=lambda target: len(target.name), reverse=True)
        alternation = "|".join(re.escape(target.name) for target in ordered)
        self.text_pattern = re.compile(alternation, re.IGNORECASE)
        self._by_lowered_name = {target.name.lower(): target for target in self.targets}
        # Lower-casing the raw bytes and looking for each name with bytes.find runs at memory speed, many
        # times faster than a case-insensitive regex, and spares decoding the many files without a hit.
        # bytes.lower() folds only ASCII letters, so non-ASCII names search the decoded text instead.
        ascii_only = all(target.name.isascii() for target in self.targets)
        self.lowered_names = tuple(name.encode("ascii") for name in self._by_lowered_name) if ascii_only else None

    def may_match(self, raw):
        """Return whether the raw bytes may hold a name (always True when names are not all ASCII)."""
        if self.lowered_names is None:
            return True
        lowered = raw.lower()
        return any(name in lowered for name in self.lowered_names)

    def spans(self, text):
        """Return the (start, end) of every name in ``text``: leftmost first, the longest name at a position."""
        lowered = text.lower()
        # Lower-casing can change the length of some non-ASCII text, which would shift every offset after it.
        if self.lowered_names is None or len(lowered) != len(text):
            return [match.span() for match in self.text_pattern.finditer(text)]
        found = []
        for name in self._by_lowered_name:
            start = lowered.find(name)
            while start != -1:
                found.append((start, -len(name)))
                start = lowered.find(name, start + 1)
        found.sort()
        spans, covered_until = [], 0
        for start, negative_length in found:
            if start >= covered_until:
                covered_until = start - negative_length
                spans.append((start, covered_until))
        return spans

    def target_for(self, matched_text):
        """Return the target that ``matched_text`` (any case) spells."""
        return self._by_lowered_name[matched_text.lower()]
