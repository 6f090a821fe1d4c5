"""A cache backend that is always down, to prove a cache outage never breaks a read."""

from django.core.cache.backends.base import BaseCache


class BrokenCache(BaseCache):
    """Every operation raises, as an unreachable memcached or Redis would."""

    def __init__(self, _location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("cache unreachable")

    add = get = set = touch = delete = clear = incr = get_many = set_many = delete_many = has_key = _fail
