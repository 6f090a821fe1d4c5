"""course_overviews migrations of a later release."""
