"""Migrations of the toggles_migration app."""
