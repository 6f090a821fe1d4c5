"""A stand-in for the Open edX containers: what Tutor's jobs run, without Docker or edx-platform."""

import re
from pathlib import Path

PATCH_BLOCK = re.compile(r"^# BEGIN toggles-migration.*?^# END toggles-migration$", re.MULTILINE | re.DOTALL)


def settings_patch(tutor_root, service="cms", mode="production"):
    """Return the plugin's openedx-common-settings code as Tutor rendered it into a service's settings, or ''."""
    rendered = Path(tutor_root, "env", "apps", "openedx", "settings", service, f"{mode}.py").read_text()
    blocks = PATCH_BLOCK.findall(rendered)
    assert len(blocks) <= 1, "the patch is rendered once per settings file"
    return blocks[0] if blocks else ""
