"""The scanner's name and version as reported in JSON and SARIF output."""

from importlib import metadata

TOOL_NAME = "toggles-migration"
DISTRIBUTION = "openedx-toggles-migration"
INFORMATION_URI = "https://github.com/openedx/openedx-toggles-migration"


def tool_version():
    """Return the installed distribution's version, or "unknown" when running from an uninstalled tree."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"
