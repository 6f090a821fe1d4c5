"""The warning category and the exception of reads of retired toggles."""


class RetiredToggleWarning(DeprecationWarning):
    """
    A read of a retired toggle; points at the caller's line.

    Filter it like any warning: ``-W error::toggles_migration.RetiredToggleWarning``, or pytest's
    ``filterwarnings = error::toggles_migration.RetiredToggleWarning``.
    """


class RetiredToggleRead(RuntimeError):
    """Raised by a read of a retired toggle when TOGGLES_MIGRATION['READS'] is 'error'."""
