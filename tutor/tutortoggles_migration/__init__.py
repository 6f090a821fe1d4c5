"""Tutor plugin for openedx-toggles-migration: install the package, set its options, run retire_toggle."""
