"""A reference the fork keeps on purpose."""

LEGACY_BACKEND = "proctortrack"  # toggles-migration: ignore
