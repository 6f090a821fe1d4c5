"""The package's settings: the common plugin hook, the PROCTORING_BACKENDS shim and its authority, TOGGLES_MIGRATION."""
