"""Migrations of the stand-in."""
