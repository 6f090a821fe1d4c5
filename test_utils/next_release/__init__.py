"""
The stand-ins' migrations as a later edx-platform release ships them: the same ones, plus one more per app.

Selected with MIGRATION_MODULES, to prove that toggles_migration never blocks a later upstream ``migrate``.
"""

import importlib


def shipped(app, name):
    """Return the Migration class the stand-in ``app`` ships as ``name``."""
    return importlib.import_module(f"test_utils.{app}.migrations.{name}").Migration
