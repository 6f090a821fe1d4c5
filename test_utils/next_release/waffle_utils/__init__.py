"""waffle_utils migrations of a later release."""
