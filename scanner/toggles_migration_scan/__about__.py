"""The scanner distribution's version."""

__version__ = "0.3.0"
