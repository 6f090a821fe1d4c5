"""After prune and restore, django-waffle serves the new rows: the flag, its users and groups, the all-flags list."""

import waffle  # pylint: disable=invalid-django-waffle-import  # django-waffle's own read path is under test
from django.core.cache import cache
from django.test import RequestFactory, TestCase, override_settings
from waffle.models import Flag

from tests import factories as f
from toggles_migration.state import capture, prune, restore

OTHER = "other.flag"


def _signed_in_request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def _all_flag_names():
    return sorted(flag.name for flag in Flag.get_all())


# waffle.flag_is_active on the retired flag is answered the legacy way, without a RetiredToggleWarning.
@override_settings(TOGGLES_MIGRATION={"READS": "silent"})
class WaffleCacheTest(TestCase):
    """Each test reads through django-waffle's cache (locmem, or Redis with `make test-redis`) before the change."""

    def setUp(self):
        super().setUp()
        cache.clear()
        f.forget_captures()

    def _prune(self):
        with self.captureOnCommitCallbacks(execute=True):
            prune.prune(f.context())

    def _restore(self):
        with self.captureOnCommitCallbacks(execute=True):
            restore.restore(f.context())

    def test_prune_clears_the_flag(self):
        f.flag(everyone=True)
        request = _signed_in_request(f.user())
        capture.capture(f.context())
        assert waffle.flag_is_active(request, f.NAME) is True  # now cached
        self._prune()
        assert waffle.flag_is_active(request, f.NAME) is False

    def test_restore_clears_the_flag(self):
        f.flag(everyone=True)
        request = _signed_in_request(f.user())
        capture.capture(f.context())
        self._prune()
        assert waffle.flag_is_active(request, f.NAME) is False  # now cached
        self._restore()
        assert waffle.flag_is_active(request, f.NAME) is True

    def test_restore_clears_the_flags_users(self):
        member = f.user()
        f.flag(users=[member])
        capture.capture(f.context())
        self._prune()
        f.flag(name=f.NAME)  # a bare flag of the same name, so waffle reads and caches its (no) users
        assert waffle.flag_is_active(_signed_in_request(member), f.NAME) is False  # now cached
        Flag.objects.filter(name=f.NAME).delete()
        self._restore()
        assert waffle.flag_is_active(_signed_in_request(member), f.NAME) is True

    def test_prune_clears_the_all_flags_list(self):
        f.flag(everyone=True)
        f.flag(name=OTHER)
        capture.capture(f.context())
        assert _all_flag_names() == [OTHER, f.NAME]  # now cached
        self._prune()
        assert _all_flag_names() == [OTHER]

    def test_restore_clears_the_all_flags_list(self):
        f.flag(everyone=True)
        f.flag(name=OTHER)
        capture.capture(f.context())
        self._prune()
        assert _all_flag_names() == [OTHER]  # now cached
        self._restore()
        assert _all_flag_names() == [OTHER, f.NAME]
