"""A test-only second retirement: a made-up course waffle flag and option, present during the whole test suite."""
