"""An embedded SQLite Open edX-like instance that shows what the package does during an upgrade."""
