"""Faithful stand-ins for the edx-platform apps this package reads, for the tests and the demo."""
