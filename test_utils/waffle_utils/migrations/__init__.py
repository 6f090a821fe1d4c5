"""Migrations named as upstream's."""
