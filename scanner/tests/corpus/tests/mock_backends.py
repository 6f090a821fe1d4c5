"""A mock of the legacy backend for the fork's tests."""

MOCK_BACKENDS = {"proctortrack": {"show_review_rules": False}}
