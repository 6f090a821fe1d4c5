"""Open edX plugin settings hooks, one module per edx-platform settings type."""
