"""Management commands of the toggles_migration app."""
