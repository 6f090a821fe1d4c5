"""The plugin's version: the main package's, taken from the installed distribution's metadata."""

from importlib.metadata import version

# pyproject.toml reads it from toggles_migration/__init__.py at build time; the image pins the same version.
__version__ = version("tutor-contrib-toggles-migration")
