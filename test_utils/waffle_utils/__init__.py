"""
Stand-in for edx-platform's ``openedx.core.djangoapps.waffle_utils``.

Same app label, table names, field types and migration names as upstream, so a migration that depends on
``('waffle_utils', ...)`` resolves here as it does in edx-platform.
"""
