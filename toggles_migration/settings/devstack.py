"""Settings hook run by edx-platform's devstack settings: behave exactly as production does."""

from .production import plugin_settings  # noqa: F401  pylint: disable=unused-import
