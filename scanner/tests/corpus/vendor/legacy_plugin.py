"""Vendored code that the operator excludes from the scan."""

BACKEND = "proctortrack"
