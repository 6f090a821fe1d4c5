"""
Real deployments' settings paths, each loaded in a fresh process with the real edx-proctoring installed.

What matters is what upstream reads, ``settings.PROCTORING_BACKENDS.get(provider, {}).get(option, default)``:
a real bool with the legacy-preserving, coerced or explicit value, and ``retire_toggle settings`` reporting it.
"""

import os

import pytest
import yaml

from tests.probes import ROOT, SECRET, run_probe

pytestmark = pytest.mark.deployments
PT = {"client_id": "id", "client_secret": SECRET, "base_url": "https://prestaging.verificient.com"}

# (name, PROCTORING_BACKENDS as the operator writes it, {provider: (show_review_rules, requires_escalation_email)})
CONFIGS = {
    "legacy-without-options": (
        {"DEFAULT": "proctortrack", "proctortrack": PT},
        {"proctortrack": (False, True)},
    ),
    "yaml-strings": (
        {"DEFAULT": "proctortrack", "proctortrack": {**PT, "show_review_rules": "false"}},
        {"proctortrack": (False, True)},
    ),
    "upper-case-spellings": (
        {
            "DEFAULT": "proctortrack",
            "proctortrack": {**PT, "SHOW_REVIEW_RULES": True, "REQUIRES_ESCALATION_EMAIL": "no"},
        },
        {"proctortrack": (True, False)},
    ),
    "mockprock": (
        {"DEFAULT": "mockprock", "null": {}, "mockprock": {"client_id": "abcd", "client_secret": SECRET}},
        {"mockprock": (True, False), "null": (True, False)},
    ),
}
SOURCES = {
    "legacy-without-options": {"show_review_rules": "legacy-rule", "requires_escalation_email": "legacy-rule"},
    "yaml-strings": {"show_review_rules": "coerced", "requires_escalation_email": "legacy-rule"},
    "upper-case-spellings": {"show_review_rules": "legacy-spelling", "requires_escalation_email": "legacy-spelling"},
    "mockprock": {"show_review_rules": "default", "requires_escalation_email": "default"},
}


def load(tmp_path, module, config, *, order, yaml_tokens=None, patch="", project="lms"):
    """Load ``test_utils.deployments.<module>`` in a fresh process; return what it read and reported."""
    backends, expected = CONFIGS[config]
    config_file = tmp_path / "config.yml"
    tokens = {"PROCTORING_BACKENDS": backends} if yaml_tokens is None else yaml_tokens
    config_file.write_text(yaml.safe_dump(tokens), encoding="utf-8")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": f"test_utils.deployments.{module}",
        "TM_YAML": str(config_file),
        "TM_PROJECT": project,
        "TM_HOOK_ORDER": order,
        "TM_PATCH": patch,
        "TM_ENV_ROOT": str(tmp_path),
    }
    return run_probe("probe", expected, env, tmp_path)


def assert_reads(loaded, config):
    """Upstream reads real bools with the expected values, and the report says the same, with its sources."""
    _, expected = CONFIGS[config]
    for provider, (show, requires) in expected.items():
        assert loaded["reads"][provider] == {
            "show_review_rules": ["bool", show],
            "requires_escalation_email": ["bool", requires],
        }
        reported = loaded["report"]["backends"][provider]
        assert {name: item["value"] for name, item in reported.items()} == {
            "show_review_rules": show,
            "requires_escalation_email": requires,
        }
    assert "toggles_migration.E007" not in loaded["checks"]


# Plugin entry points come in the file system's listing of site-packages: a fresh venv on tmpfs lists
# edx-proctoring first, one on ext4 lists this package first. Every case runs in both orders.
ORDERS = ("proctoring-first", "proctoring-last")


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_edx_platform_production(tmp_path, config, order):
    loaded = load(tmp_path, "production", config, order=order)
    assert_reads(loaded, config)
    provider = next(iter(CONFIGS[config][1]))
    assert {name: item["source"] for name, item in loaded["report"]["backends"][provider].items()} == SOURCES[config]


@pytest.mark.parametrize("order", ORDERS)
def test_edx_platform_production_cms(tmp_path, order):
    assert_reads(load(tmp_path, "production", "yaml-strings", project="cms", order=order), "yaml-strings")


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_tutor_patch_assigning_the_backends(tmp_path, config, order):
    # As Verificient's Tutor plugin does: the whole value, assigned after every plugin hook.
    patch = f"PROCTORING_BACKENDS = {CONFIGS[config][0]!r}"
    assert_reads(load(tmp_path, "tutor", config, yaml_tokens={}, patch=patch, order=order), config)


# (a Tutor patch changing the legacy-without-options value, the sources then reported): whoever wrote the
# entry last (edx-proctoring's hook or the shim), an option the patch sets is the operator's.
MERGES = {
    # The README's snippet, merged in place: values equal to the legacy-preserving ones, yet explicit.
    "update-in-place": (
        "PROCTORING_BACKENDS['proctortrack'].update({'show_review_rules': False, 'requires_escalation_email': True})",
        {"show_review_rules": "explicit", "requires_escalation_email": "explicit"},
    ),
    "item-assigned-in-place": (
        "PROCTORING_BACKENDS['proctortrack']['show_review_rules'] = False",
        {"show_review_rules": "explicit", "requires_escalation_email": "legacy-rule"},
    ),
    "string-merged-in-place": (
        "PROCTORING_BACKENDS.setdefault('proctortrack', {}).update({'show_review_rules': 'off'})",
        {"show_review_rules": "coerced", "requires_escalation_email": "legacy-rule"},
    ),
    # The Tutor plugin's own patch: a new value, each entry copied with the options merged in.
    "entries-copied": (
        "PROCTORING_BACKENDS = {name: {**entry, **({'show_review_rules': False} if name == 'proctortrack' else {})}"
        " if isinstance(entry, dict) else entry for name, entry in PROCTORING_BACKENDS.items()}",
        {"show_review_rules": "explicit", "requires_escalation_email": "legacy-rule"},
    ),
}


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("merge", sorted(MERGES))
def test_tutor_patch_merging_options(tmp_path, merge, order):
    patch, sources = MERGES[merge]
    loaded = load(tmp_path, "tutor", "legacy-without-options", patch=patch, order=order)
    assert_reads(loaded, "legacy-without-options")
    assert {name: item["source"] for name, item in loaded["report"]["backends"]["proctortrack"].items()} == sources
    # W004 names exactly the options left to the legacy rule: none once the operator has set both.
    assert ("toggles_migration.W004" in loaded["checks"]) == ("legacy-rule" in sources.values())


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("config", ["legacy-without-options", "yaml-strings"])
def test_devstack_private_settings(tmp_path, config, order):
    patch = f"PROCTORING_BACKENDS = {CONFIGS[config][0]!r}"
    assert_reads(load(tmp_path, "devstack", config, yaml_tokens={}, patch=patch, order=order), config)


@pytest.mark.parametrize("order", ORDERS)
@pytest.mark.parametrize("config", sorted(CONFIGS))
def test_plain_django_project(tmp_path, config, order):
    assert_reads(load(tmp_path, "plain", config, order=order), config)
