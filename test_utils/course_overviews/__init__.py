"""
Stand-in for edx-platform's ``openedx.core.djangoapps.content.course_overviews``.

Same app label and table name, and the same field types for every column this package reads.
"""
