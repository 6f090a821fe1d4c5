"""A proctoring backend of the tests' own, registered under openedx.proctoring by the backend loading tests."""

from edx_proctoring.backends.null import NullBackendProvider


class OwnBackendProvider(NullBackendProvider):
    """Does nothing, as edx-proctoring's null backend; loaded only through its entry point."""

    verbose_name = "Toggles migration's test backend"
