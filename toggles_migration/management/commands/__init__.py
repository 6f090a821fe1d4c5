"""The retire_toggle operator command."""
