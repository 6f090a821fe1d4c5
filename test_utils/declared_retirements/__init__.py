"""A test-only app that declares more retirements, as a fork's app would: present during the whole test suite."""
