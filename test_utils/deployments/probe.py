"""
Load a deployment's settings in this fresh process and print, as JSON, what upstream reads and what we report.

Upstream reads ``settings.PROCTORING_BACKENDS.get(provider, {}).get(option, default)``.
"""

import io
import json
import sys

import django


def main(providers):
    """Print {"reads": {provider: {option: [type, value]}}, "report": ..., "checks": [ids]}."""
    django.setup()
    from django.conf import settings  # pylint: disable=import-outside-toplevel
    from django.core import checks  # pylint: disable=import-outside-toplevel
    from django.core.management import call_command  # pylint: disable=import-outside-toplevel

    from toggles_migration.retirements import managed_options  # pylint: disable=import-outside-toplevel

    reads = {}
    for provider in providers:
        entry = settings.PROCTORING_BACKENDS.get(provider, {})
        read = {option.name: entry.get(option.name, option.upstream_default) for option in managed_options()}
        reads[provider] = {
            name: [type(value).__name__, value if isinstance(value, bool) else None] for name, value in read.items()
        }
    out = io.StringIO()
    call_command("retire_toggle", "settings", "--format", "json", stdout=out)
    found = sorted({message.id for message in checks.run_checks() if message.id.startswith("toggles_migration.")})
    print(json.dumps({"reads": reads, "report": json.loads(out.getvalue()), "checks": found}))


if __name__ == "__main__":
    main(sys.argv[1:])
