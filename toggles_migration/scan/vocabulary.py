"""The call, method and field names that mark display strings, lookups and flag reads in code."""

# gettext and its variants, and edx's Text() wrapper around translated text.
PYTHON_DISPLAY_CALLS = frozenset(
    {
        "_",
        "gettext",
        "ugettext",
        "gettext_lazy",
        "ugettext_lazy",
        "gettext_noop",
        "ugettext_noop",
        "ngettext",
        "ungettext",
        "ngettext_lazy",
        "ungettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
        "Text",
    }
)
# edx-platform's JavaScript gettext, and react-intl's message APIs used by the MFEs.
SCRIPT_DISPLAY_CALLS = frozenset(
    {"_", "gettext", "ngettext", "pgettext", "npgettext", "formatMessage", "defineMessages", "defineMessage", "Text"}
)
TEMPLATE_DISPLAY_CALLS = PYTHON_DISPLAY_CALLS | SCRIPT_DISPLAY_CALLS
# Fields of react-intl message descriptors, in objects and as JSX attributes of <FormattedMessage>.
MESSAGE_FIELDS = frozenset({"defaultMessage", "description"})

COMPARISON_OPERATORS = frozenset({"==", "!=", "===", "!==", "is"})
MEMBERSHIP_CALLS = frozenset({"includes", "indexOf", "has", "contains", "__contains__"})
LOOKUP_CALLS = frozenset(
    {"get", "pop", "setdefault", "getattr", "hasattr", "hasOwnProperty", "getItem", "__getitem__", "getIn"}
)
FLAG_READ_METHODS = frozenset({"is_enabled", "is_disabled", "is_enabled_without_course_context", "isEnabled"})
FLAG_READ_FUNCTIONS = frozenset({"flag_is_active", "switch_is_active", "sample_is_active"})
FLAG_CLASS_SUFFIXES = ("WaffleFlag", "WaffleSwitch", "Toggle")

# setup() keywords whose strings are requirements or plugin registrations.
SETUP_DEPENDENCY_KEYWORDS = frozenset(
    {"install_requires", "extras_require", "tests_require", "setup_requires", "entry_points"}
)

# Words that open a statement, so a bracket after them is not a call or subscript.
KEYWORDS = frozenset(
    {
        "and",
        "await",
        "case",
        "elif",
        "else",
        "for",
        "if",
        "in",
        "is",
        "lambda",
        "not",
        "of",
        "or",
        "return",
        "typeof",
        "while",
        "with",
        "yield",
    }
)


def is_flag_class(callee):
    """Return whether a called name constructs a toggle (CourseWaffleFlag, WaffleSwitch, SettingToggle...)."""
    return bool(callee) and callee.endswith(FLAG_CLASS_SUFFIXES)


_CALL_DETAILS = (
    dict.fromkeys(MEMBERSHIP_CALLS, "membership test")
    | dict.fromkeys(LOOKUP_CALLS, "lookup")
    | dict.fromkeys(FLAG_READ_FUNCTIONS, "flag read")
)


def call_detail(callee):
    """Return how a call uses a name passed to it ("lookup", "flag read"...), or None when the call says nothing."""
    if is_flag_class(callee):
        return "flag construction"
    return _CALL_DETAILS.get(callee)
