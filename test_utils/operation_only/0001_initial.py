"""As shipped."""

import importlib

Migration = importlib.import_module("toggles_migration.migrations.0001_initial").Migration
